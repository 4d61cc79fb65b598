"""The report pages: Report links on posts, comments and profiles, and the reason form
(plain links and form posts, no JavaScript needed)."""

import pytest
from django.test import Client

from accounts.models import User
from posts.models import Post, Report
from tests.factories import CommentFactory, PostFactory, block, make_private

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_client(bob: User) -> Client:
    client = Client()
    client.force_login(bob)
    return client


# --- Links --------------------------------------------------------------------------------


def test_a_post_page_offers_reporting_the_post_and_others_comments(
    bob_client: Client, alice_post: Post, bob: User, charlie: User
) -> None:
    theirs = CommentFactory(post=alice_post, author=charlie)
    own = CommentFactory(post=alice_post, author=bob)

    html = bob_client.get(f"/p/{alice_post.pk}/").content.decode()

    assert f'href="/p/{alice_post.pk}/report/"' in html
    assert f'href="/p/{alice_post.pk}/comments/{theirs.pk}/report/"' in html
    assert f'href="/p/{alice_post.pk}/comments/{own.pk}/report/"' not in html


def test_nobody_is_offered_to_report_their_own_post_and_visitors_none(
    alice_client: Client, client: Client, alice_post: Post
) -> None:
    own = alice_client.get(f"/p/{alice_post.pk}/").content.decode()
    anonymous = client.get(f"/p/{alice_post.pk}/").content.decode()

    assert 'data-testid="report-post-link"' not in own
    assert "/report/" not in anonymous


def test_a_profile_offers_reporting_the_account_but_not_ones_own(
    bob_client: Client, alice_client: Client, alice: User
) -> None:
    assert 'href="/alice/report/"' in bob_client.get("/alice/").content.decode()
    assert 'href="/alice/report/"' not in alice_client.get("/alice/").content.decode()


# --- The form -----------------------------------------------------------------------------


def test_reporting_a_post_through_the_form_confirms_and_files_the_report(
    bob_client: Client, alice_post: Post, bob: User
) -> None:
    form = bob_client.get(f"/p/{alice_post.pk}/report/")
    sent = bob_client.post(
        f"/p/{alice_post.pk}/report/", {"reason": "  Stolen photo  "}, follow=True
    )

    assert form.status_code == 200
    page = form.content.decode()
    assert "Report a post" in page
    assert "Sunset at the #Beach" in page
    assert 'name="reason"' in page
    assert "thumb.webp" in page
    assert sent.redirect_chain == [(f"/p/{alice_post.pk}/", 302)]
    assert "Our moderators will review your report." in sent.content.decode()
    stored = Report.objects.get()
    assert (stored.reporter, stored.post, stored.reason) == (bob, alice_post, "Stolen photo")


def test_reporting_a_comment_through_the_form(
    bob_client: Client, alice_post: Post, charlie: User
) -> None:
    comment = CommentFactory(post=alice_post, author=charlie, text="Buy followers here")
    url = f"/p/{alice_post.pk}/comments/{comment.pk}/report/"

    form = bob_client.get(url)
    sent = bob_client.post(url, {"reason": "Spam"})

    assert "Buy followers here" in form.content.decode()
    assert sent.status_code == 302
    assert Report.objects.get().comment == comment


def test_a_comment_report_under_another_post_is_404(
    bob_client: Client, alice_post: Post, charlie: User
) -> None:
    other = PostFactory(author=charlie)
    comment = CommentFactory(post=alice_post, author=charlie)

    response = bob_client.get(f"/p/{other.pk}/comments/{comment.pk}/report/")

    assert response.status_code == 404


def test_reporting_an_account_through_the_form_goes_back_to_the_profile(
    bob_client: Client, alice: User
) -> None:
    sent = bob_client.post("/alice/report/", {"reason": "Impersonation"}, follow=True)

    assert sent.redirect_chain == [("/alice/", 302)]
    assert "Our moderators will review your report." in sent.content.decode()
    assert Report.objects.get().reported_user == alice


def test_reporting_twice_says_it_is_already_reported(bob_client: Client, alice: User) -> None:
    bob_client.post("/alice/report/", {"reason": "Impersonation"})
    again = bob_client.post("/alice/report/", {"reason": "Again"}, follow=True)

    assert "You already reported this." in again.content.decode()
    assert Report.objects.count() == 1


def test_an_empty_reason_shows_the_form_again_with_an_error(
    bob_client: Client, alice_post: Post
) -> None:
    response = bob_client.post(f"/p/{alice_post.pk}/report/", {"reason": "   "})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Report.objects.exists()


def test_what_the_reporter_cannot_see_is_404_on_the_form_too(
    bob_client: Client, alice: User, bob: User, charlie: User
) -> None:
    make_private(charlie)
    private_post = PostFactory(author=charlie)
    block(alice, bob)

    assert bob_client.get(f"/p/{private_post.pk}/report/").status_code == 404
    assert bob_client.post(f"/p/{private_post.pk}/report/", {"reason": "x"}).status_code == 404
    assert bob_client.get("/alice/report/").status_code == 404
    assert bob_client.get("/nobody/report/").status_code == 404
    assert not Report.objects.exists()


def test_ones_own_content_cannot_be_reported_on_the_page_either(
    alice_client: Client, alice_post: Post
) -> None:
    form = alice_client.get(f"/p/{alice_post.pk}/report/")
    sent = alice_client.post("/alice/report/", {"reason": "Me"})

    assert form.status_code == 400
    assert "You cannot report your own post." in form.content.decode()
    assert sent.status_code == 400
    assert not Report.objects.exists()


def test_visitors_are_sent_to_log_in_first(client: Client, alice_post: Post) -> None:
    response = client.get(f"/p/{alice_post.pk}/report/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_the_account_report_route_leaves_tag_pages_alone(bob_client: Client) -> None:
    # /<username>/report/ must not shadow two-segment paths such as /tags/<tag>/.
    response = bob_client.get("/tags/report/")

    assert response.status_code in (301, 302)
    assert response.url == "/explore/tags/report/"
