"""Feed pages display cached cards: every change a user can make shows on the next load,
and what one viewer gets never reaches another."""

import re
import time
from collections.abc import Callable

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from feed import cards
from posts.models import Post
from tests.conftest import bearer_client, clear_cache
from tests.factories import CommentFactory, PostFactory, follow
from tests.helpers import CSRF_FIELD, record_cache_round_trips

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob_post(alice: User, bob: User, charlie: User, committed: Callable) -> Post:
    """A post by bob that alice and charlie both follow, its cards already cached."""
    with committed():
        follow(alice, bob)
        follow(charlie, bob)
        post = PostFactory(author=bob, caption="First light")
    for viewer in (alice, charlie):
        bearer_client(viewer).get("/api/v1/feed/")
        html_client(viewer).get("/")
    return post


def html_client(user: User, *, csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(user)
    return client


def first_item(client: APIClient) -> dict:
    return client.get("/api/v1/feed/").json()["results"][0]


def feed_html(user: User) -> str:
    return html_client(user).get("/").content.decode()


def without_tokens(html: str) -> str:
    """`html` without its CSRF tokens, masked anew for every response."""
    return re.sub(r"[A-Za-z0-9]{64}", "", html)


def like_button(html: str) -> str:
    return re.search(r'<button[^>]*data-testid="like-button"[^>]*>', html).group(0)


def test_a_like_shows_its_count_and_flag_to_the_right_viewer(
    alice: User, charlie: User, bob_post: Post
) -> None:
    assert bearer_client(alice).post(f"/api/v1/posts/{bob_post.pk}/like/").status_code in (200, 201)
    mine, theirs = first_item(bearer_client(alice)), first_item(bearer_client(charlie))
    assert (mine["likes_count"], mine["liked"]) == (1, True)
    assert (theirs["likes_count"], theirs["liked"]) == (1, False)
    assert 'aria-pressed="true"' in like_button(feed_html(alice))
    charlie_page = feed_html(charlie)
    assert 'aria-pressed="false"' in like_button(charlie_page)
    assert f'<span data-likes-count="{bob_post.pk}">1</span> like<' in charlie_page


def test_an_edited_caption_shows_at_once(bob: User, alice: User, bob_post: Post) -> None:
    response = bearer_client(bob).patch(
        f"/api/v1/posts/{bob_post.pk}/", {"caption": "Golden hour"}, format="json"
    )
    assert response.status_code == 200
    assert first_item(bearer_client(alice))["caption"] == "Golden hour"
    assert "Golden hour" in feed_html(alice)


def test_a_renamed_author_and_a_new_comment_show_at_once(
    alice: User, bob: User, charlie: User, bob_post: Post
) -> None:
    bearer_client(bob).patch("/api/v1/me/", {"full_name": "Robert Builder"}, format="json")
    response = bearer_client(charlie).post(
        f"/api/v1/posts/{bob_post.pk}/comments/", {"text": "Lovely"}, format="json"
    )
    assert response.status_code == 201
    item = first_item(bearer_client(alice))
    assert item["author"]["full_name"] == "Robert Builder"
    assert [c["text"] for c in item["latest_comments"]] == ["Lovely"]
    assert item["comments_count"] == 1
    charlie.username = "charles"
    charlie.save()
    assert first_item(bearer_client(alice))["latest_comments"][0]["author"]["username"] == "charles"
    assert 'href="/charles/"' in feed_html(alice)


def test_a_blocked_commenter_is_left_out_for_the_blocker_only(
    alice: User, charlie: User, bob_post: Post
) -> None:
    CommentFactory(post=bob_post, author=charlie, text="From charlie")
    assert first_item(bearer_client(alice))["latest_comments"][0]["text"] == "From charlie"
    assert bearer_client(alice).post(f"/api/v1/users/{charlie.username}/block/").status_code == 204
    assert first_item(bearer_client(alice))["latest_comments"] == []
    assert "From charlie" not in feed_html(alice)
    assert "From charlie" in feed_html(bob_post.author)


def test_delete_buttons_go_to_the_comment_author_only(
    alice: User, charlie: User, bob_post: Post
) -> None:
    CommentFactory(post=bob_post, author=charlie, text="Mine to delete")
    feed_html(alice)  # cached for a viewer who is neither author
    assert 'aria-label="Delete comment"' not in feed_html(alice)
    assert 'aria-label="Delete comment"' in feed_html(charlie)
    assert 'aria-label="Delete comment"' in feed_html(bob_post.author)
    assert 'data-testid="report-comment-link"' not in feed_html(charlie)


def test_a_hidden_post_leaves_the_feed_though_its_card_is_cached(
    alice: User, bob_post: Post
) -> None:
    Post.objects.filter(pk=bob_post.pk).update(hidden_at=bob_post.created_at)
    assert bearer_client(alice).get("/api/v1/feed/").json()["results"] == []
    assert 'data-testid="feed-post"' not in feed_html(alice)


def test_a_cached_card_carries_this_pages_csrf_token(alice: User, bob_post: Post) -> None:
    client = html_client(alice, csrf_checks=True)
    card = client.get("/").content.decode().split('data-testid="feed-post"', 1)[1]
    tokens = set(CSRF_FIELD.findall(card))
    assert len(tokens) == 1
    response = client.post(
        f"/p/{bob_post.pk}/like/", {"liked": "1", "csrfmiddlewaretoken": tokens.pop()}
    )
    assert response.status_code in (200, 302)
    assert first_item(bearer_client(alice))["liked"] is True


def test_a_cached_card_says_how_long_ago_now(alice: User, bob_post: Post) -> None:
    Post.objects.filter(pk=bob_post.pk).update(created_at=bob_post.created_at.replace(year=2020))
    # The card's key names updated_at, not created_at: the cached card is reused.
    assert "years" in feed_html(alice)


def test_profile_changed_at_moves_with_what_others_see(alice: User) -> None:
    before = alice.profile_changed_at
    alice.save(update_fields=["last_login"])
    alice.refresh_from_db()
    assert alice.profile_changed_at == before
    alice.full_name = "Alice L."
    alice.save(update_fields=["full_name"])
    alice.refresh_from_db()
    assert alice.profile_changed_at > before


def test_a_reload_reads_cached_cards_without_media_or_comment_queries(
    alice: User, bob_post: Post, django_assert_max_num_queries: Callable
) -> None:
    CommentFactory(post=bob_post, author=alice, text="Once")
    client, api = html_client(alice), bearer_client(alice)
    assert "Once" in client.get("/").content.decode()
    api.get("/api/v1/feed/")
    # The session with its user and the navigation's badges; the page's ids and rows.
    with django_assert_max_num_queries(1 + 2):
        assert "Once" in client.get("/").content.decode()
    # The token's user; the ids and the rows.
    with django_assert_max_num_queries(1 + 2):
        assert api.get("/api/v1/feed/").json()["results"][0]["latest_comments"][0]["text"] == "Once"


def test_a_reload_reads_its_cards_from_the_process_else_from_the_shared_cache(
    alice: User, bob_post: Post, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, api = html_client(alice), bearer_client(alice)
    calls = record_cache_round_trips(monkeypatch)
    page = without_tokens(client.get("/").content.decode())
    api.get("/api/v1/feed/")
    calls.clear()
    # The visit and the high-reach authors; the cards are this process's.
    assert without_tokens(client.get("/").content.decode()) == page
    api.get("/api/v1/feed/")
    assert calls == ["get_many", "get_many"]
    # Another process has none of them: one read of the shared cache, nothing rendered.
    cards.local_cards.clear()
    calls.clear()
    assert without_tokens(client.get("/").content.decode()) == page
    assert calls == ["get_many", "get_many"]


def test_cards_expire_everywhere_after_feed_card_seconds(
    alice: User, bob_post: Post, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.FEED_CARD_SECONDS = 1
    clear_cache()  # the fixture's cards were made to last longer
    client = html_client(alice)
    client.get("/")
    calls = record_cache_round_trips(monkeypatch)
    client.get("/")
    assert "set_many" not in calls
    time.sleep(1.1)
    calls.clear()
    client.get("/")
    # Signed media URLs in a card outlive it: an old card is made again, not reused.
    assert calls.count("set_many") == 1
