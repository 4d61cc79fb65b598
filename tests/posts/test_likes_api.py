"""POST/DELETE posts/{id}/like/ and GET posts/{id}/likes/."""

from collections.abc import Callable

from rest_framework.test import APIClient

from accounts.models import User
from posts import signals
from posts.models import Like, Post
from tests.factories import UserFactory
from tests.helpers import assert_constant_queries


def like_url(post: Post) -> str:
    return f"/api/v1/posts/{post.pk}/like/"


def test_like_and_unlike_are_idempotent(
    api_client_for: Callable, bob: User, alice_post: Post
) -> None:
    client = api_client_for(bob)

    first = client.post(like_url(alice_post))
    second = client.post(like_url(alice_post))

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json() == {"liked": True, "likes_count": 1}
    assert Like.objects.filter(post=alice_post).count() == 1
    assert client.get(f"/api/v1/posts/{alice_post.pk}/").json()["liked"] is True

    unliked = client.delete(like_url(alice_post))
    again = client.delete(like_url(alice_post))

    assert unliked.json() == again.json() == {"liked": False, "likes_count": 0}
    alice_post.refresh_from_db()
    assert alice_post.likes_count == 0


def test_counts_are_exact_with_several_likers(
    api_client_for: Callable, alice_post: Post, bob: User, charlie: User
) -> None:
    for user in (bob, charlie):
        api_client_for(user).post(like_url(alice_post))

    response = APIClient().get(f"/api/v1/posts/{alice_post.pk}/")

    assert response.json()["likes_count"] == 2
    assert response.json()["liked"] is False


def test_liking_sends_counts_after_commit(
    api_client_for: Callable,
    bob: User,
    alice_post: Post,
    django_capture_on_commit_callbacks: Callable,
) -> None:
    received: list[dict] = []

    def receiver(sender: object, signal: object, **kwargs: object) -> None:
        received.append(kwargs)

    signals.post_counts_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            api_client_for(bob).post(like_url(alice_post))
            api_client_for(bob).post(like_url(alice_post))
    finally:
        signals.post_counts_changed.disconnect(receiver)

    assert received == [{"post_id": alice_post.pk, "likes_count": 1, "comments_count": 0}]


def test_cannot_like_a_post_you_may_not_see(
    api_client_for: Callable, charlie: User, private_bob_post: Post
) -> None:
    client = api_client_for(charlie)

    assert client.post(like_url(private_bob_post)).status_code == 404
    assert client.delete(like_url(private_bob_post)).status_code == 404
    assert client.get(f"/api/v1/posts/{private_bob_post.pk}/likes/").status_code == 404
    assert not Like.objects.exists()


def test_liking_a_missing_post_is_404(alice_api: APIClient) -> None:
    assert alice_api.post("/api/v1/posts/424242/like/").status_code == 404


def test_anonymous_cannot_like(api_client: APIClient, alice_post: Post) -> None:
    assert api_client.post(like_url(alice_post)).status_code == 401


def test_likers_newest_first_in_constant_queries(
    api_client: APIClient, alice_post: Post, bob: User, charlie: User, api_client_for: Callable
) -> None:
    api_client_for(bob).post(like_url(alice_post))
    api_client_for(charlie).post(like_url(alice_post))
    url = f"/api/v1/posts/{alice_post.pk}/likes/"

    response = api_client.get(url)

    assert response.status_code == 200
    assert [u["username"] for u in response.json()["results"]] == ["charlie", "bob"]
    assert set(response.json()["results"][0]) == {"username", "full_name", "avatar"}

    def grow() -> None:
        for _ in range(5):
            api_client_for(UserFactory()).post(like_url(alice_post))

    assert_constant_queries(lambda: api_client.get(f"{url}?page_size=50"), grow, at_most=3)
