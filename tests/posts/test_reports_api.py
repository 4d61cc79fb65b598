"""`POST reports/`: reporting posts, comments and accounts (API.md "Reports")."""

from collections.abc import Callable

import pytest
from django.db import IntegrityError
from rest_framework.test import APIClient

from accounts.models import User
from posts import moderation
from posts.models import Post, Report
from tests.factories import CommentFactory, PostFactory, UserFactory, block, make_private

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/"


def report(client: APIClient, target_type: str, target_id: object, reason: str = "Spam"):
    return client.post(
        URL, {"target_type": target_type, "target_id": target_id, "reason": reason}, format="json"
    )


@pytest.fixture
def bob_api(bob: User, api_client_for: Callable[[User], APIClient]) -> APIClient:
    return api_client_for(bob)


# --- Filing a report ----------------------------------------------------------------------


def test_reporting_a_post_files_an_open_report_with_the_caption_as_it_was(
    bob_api: APIClient, alice_post: Post, alice: User, bob: User
) -> None:
    response = report(bob_api, "post", alice_post.pk, "  Selling fake watches \n")

    assert response.status_code == 201
    body = response.json()
    assert body["target_type"] == "post"
    assert body["target_id"] == alice_post.pk
    assert body["reason"] == "Selling fake watches"
    assert body["status"] == "open"
    assert set(body) == {"id", "target_type", "target_id", "reason", "status", "created_at"}
    stored = Report.objects.get(pk=body["id"])
    assert (stored.reporter, stored.reported_user, stored.post) == (bob, alice, alice_post)
    assert stored.content == alice_post.caption


def test_reporting_a_comment_is_about_its_author(
    bob_api: APIClient, alice_post: Post, charlie: User
) -> None:
    comment = CommentFactory(post=alice_post, author=charlie, text="You are all idiots")

    response = report(bob_api, "comment", comment.pk, "Insults")

    assert response.status_code == 201
    assert response.json()["target_id"] == comment.pk
    stored = Report.objects.get()
    assert (stored.comment, stored.reported_user, stored.content) == (
        comment,
        charlie,
        "You are all idiots",
    )


def test_an_account_is_reported_by_username_in_any_case(bob_api: APIClient, alice: User) -> None:
    response = report(bob_api, "user", "ALICE", "Impersonates me")

    assert response.status_code == 201
    assert response.json()["target_id"] == "alice"
    stored = Report.objects.get()
    assert (stored.target_id, stored.reported_user) == (alice.pk, alice)


def test_an_id_sent_as_a_string_of_digits_works_too(bob_api: APIClient, alice_post: Post) -> None:
    assert report(bob_api, "post", str(alice_post.pk)).status_code == 201


# --- Once per reporter and target ---------------------------------------------------------


def test_reporting_the_same_target_again_returns_the_open_report(
    bob_api: APIClient, alice_post: Post
) -> None:
    first = report(bob_api, "post", alice_post.pk, "Spam")
    again = report(bob_api, "post", alice_post.pk, "Still spam")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Report.objects.count() == 1


def test_others_reports_of_the_same_target_are_their_own(
    bob_api: APIClient, alice_post: Post, charlie: User, api_client_for: Callable
) -> None:
    report(bob_api, "post", alice_post.pk)
    response = report(api_client_for(charlie), "post", alice_post.pk)

    assert response.status_code == 201
    assert Report.objects.filter(target_id=alice_post.pk).count() == 2


def test_after_a_report_is_resolved_the_target_can_be_reported_again(
    bob_api: APIClient, alice_post: Post
) -> None:
    first = report(bob_api, "post", alice_post.pk)
    moderator = UserFactory(username="mod", is_staff=True, is_superuser=True)
    moderation.report_dismiss(moderator=moderator, report=Report.objects.get())

    again = report(bob_api, "post", alice_post.pk, "It is back")

    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]


def test_the_database_holds_one_open_report_per_reporter_and_target(
    alice_post: Post, bob: User, alice: User
) -> None:
    fields = {
        "reporter": bob,
        "reported_user": alice,
        "target_type": "post",
        "target_id": alice_post.pk,
        "post": alice_post,
        "reason": "Spam",
    }
    Report.objects.create(**fields)

    with pytest.raises(IntegrityError):
        Report.objects.create(**fields)


def test_the_database_refuses_a_report_whose_link_is_not_its_target(
    alice_post: Post, bob: User, alice: User
) -> None:
    with pytest.raises(IntegrityError):
        Report.objects.create(
            reporter=bob,
            reported_user=alice,
            target_type="user",
            target_id=alice.pk,
            post=alice_post,
            reason="Spam",
        )


# --- What the reporter cannot see is 404 --------------------------------------------------


def test_a_strangers_private_post_and_its_comments_cannot_be_reported(
    bob_api: APIClient, alice: User, charlie: User
) -> None:
    make_private(charlie)
    post = PostFactory(author=charlie)
    comment = CommentFactory(post=post, author=charlie)

    assert report(bob_api, "post", post.pk).status_code == 404
    assert report(bob_api, "comment", comment.pk).status_code == 404
    assert not Report.objects.exists()


def test_a_private_account_itself_can_be_reported(bob_api: APIClient, charlie: User) -> None:
    make_private(charlie)
    assert report(bob_api, "user", "charlie").status_code == 201


@pytest.mark.parametrize("blocker", ["bob", "alice"])
def test_blocked_either_way_nothing_of_the_other_can_be_reported(
    blocker: str, bob_api: APIClient, alice: User, bob: User, charlie: User
) -> None:
    post = PostFactory(author=alice)
    comment_on_own = CommentFactory(post=post, author=alice)
    comment_elsewhere = CommentFactory(post=PostFactory(author=charlie), author=alice)
    block(*((bob, alice) if blocker == "bob" else (alice, bob)))

    answers = [
        report(bob_api, "post", post.pk).status_code,
        report(bob_api, "comment", comment_on_own.pk).status_code,
        report(bob_api, "comment", comment_elsewhere.pk).status_code,
        report(bob_api, "user", "alice").status_code,
    ]

    assert answers == [404, 404, 404, 404]


def test_missing_targets_are_404(bob_api: APIClient) -> None:
    assert report(bob_api, "post", 999_999).status_code == 404
    assert report(bob_api, "comment", 999_999).status_code == 404
    assert report(bob_api, "user", "nobody").status_code == 404
    assert report(bob_api, "post", "not-an-id").status_code == 404
    assert report(bob_api, "post", "9" * 40).status_code == 404


def test_hidden_posts_and_suspended_accounts_cannot_be_reported(
    bob_api: APIClient, alice_post: Post, charlie: User
) -> None:
    Post.objects.filter(pk=alice_post.pk).update(hidden_at="2026-01-01T00:00:00Z")
    charlie.is_active = False
    charlie.save(update_fields=["is_active"])

    assert report(bob_api, "post", alice_post.pk).status_code == 404
    assert report(bob_api, "user", "charlie").status_code == 404


# --- Bad input ----------------------------------------------------------------------------


def test_reporting_oneself_or_ones_own_content_is_400(
    alice_api: APIClient, alice_post: Post
) -> None:
    comment = CommentFactory(post=alice_post, author=alice_post.author)

    answers = [
        report(alice_api, "post", alice_post.pk),
        report(alice_api, "comment", comment.pk),
        report(alice_api, "user", "alice"),
    ]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert answers[0].json() == {"target_id": ["You cannot report your own post."]}
    assert answers[2].json() == {"target_id": ["You cannot report your own account."]}
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target_type": "post", "reason": ""}, "reason"),
        ({"target_type": "post", "reason": "   \n "}, "reason"),
        ({"target_type": "post", "reason": "x" * 1001}, "reason"),
        ({"target_type": "story", "reason": "Spam"}, "target_type"),
        ({"reason": "Spam"}, "target_type"),
    ],
)
def test_bad_reports_get_400_with_the_field(
    body: dict, field: str, bob_api: APIClient, alice_post: Post
) -> None:
    response = bob_api.post(URL, {"target_id": alice_post.pk, **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_reason_of_1000_characters_is_fine(bob_api: APIClient, alice_post: Post) -> None:
    assert report(bob_api, "post", alice_post.pk, "x" * 1000).status_code == 201


def test_anonymous_cannot_report(api_client: APIClient, alice_post: Post) -> None:
    assert report(api_client, "post", alice_post.pk).status_code == 401


def test_the_schema_documents_both_answers_of_reporting(api_client: APIClient) -> None:
    schema = api_client.get("/api/schema/", {"format": "json"}).json()

    responses = schema["paths"]["/api/v1/reports/"]["post"]["responses"]

    assert {"200", "201", "400", "404"} <= set(responses)
    assert "already reported" in responses["200"]["description"].lower()
