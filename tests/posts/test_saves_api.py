"""POST/DELETE posts/{id}/save/ and GET me/saved/."""

from collections.abc import Callable

from rest_framework.test import APIClient

from accounts.models import User
from posts.models import Post, Save
from tests.factories import PostFactory
from tests.helpers import assert_constant_queries


def save_url(post: Post) -> str:
    return f"/api/v1/posts/{post.pk}/save/"


def test_save_and_unsave_are_idempotent(
    api_client_for: Callable, bob: User, alice_post: Post
) -> None:
    client = api_client_for(bob)

    assert client.post(save_url(alice_post)).json() == {"saved": True}
    assert client.post(save_url(alice_post)).json() == {"saved": True}
    assert Save.objects.filter(user=bob).count() == 1
    assert client.get(f"/api/v1/posts/{alice_post.pk}/").json()["saved"] is True

    assert client.delete(save_url(alice_post)).json() == {"saved": False}
    assert client.delete(save_url(alice_post)).json() == {"saved": False}
    assert not Save.objects.exists()


def test_saved_list_newest_save_first_and_only_mine(
    api_client_for: Callable, alice: User, bob: User, charlie: User
) -> None:
    older, newer = PostFactory(author=alice), PostFactory(author=alice)
    bob_client = api_client_for(bob)
    bob_client.post(save_url(newer))
    bob_client.post(save_url(older))
    api_client_for(charlie).post(save_url(newer))

    response = bob_client.get("/api/v1/me/saved/")

    assert response.status_code == 200
    results = response.json()["results"]
    assert [p["id"] for p in results] == [older.pk, newer.pk]
    assert all(p["saved"] for p in results)


def test_saved_list_paginates(api_client_for: Callable, alice: User, bob: User) -> None:
    posts = [PostFactory(author=alice) for _ in range(3)]
    client = api_client_for(bob)
    for post in posts:
        client.post(save_url(post))

    page = client.get("/api/v1/me/saved/?page_size=2").json()
    rest = client.get(page["next"]).json()

    assert [p["id"] for p in page["results"] + rest["results"]] == [p.pk for p in posts[::-1]]


def test_saved_list_in_constant_queries(api_client_for: Callable, alice: User, bob: User) -> None:
    client = api_client_for(bob)
    client.post(save_url(PostFactory(author=alice)))

    def grow() -> None:
        for _ in range(3):
            client.post(save_url(PostFactory(author=alice, caption="#a #b", photos=2)))

    assert_constant_queries(lambda: client.get("/api/v1/me/saved/?page_size=50"), grow, at_most=6)


def test_a_saved_post_that_became_private_leaves_the_list(
    api_client_for: Callable, bob: User, charlie: User
) -> None:
    post = PostFactory(author=charlie)
    client = api_client_for(bob)
    client.post(save_url(post))
    User.objects.filter(pk=charlie.pk).update(is_private=True)

    assert client.get("/api/v1/me/saved/").json()["results"] == []


def test_cannot_save_a_post_you_may_not_see(
    api_client_for: Callable, charlie: User, private_bob_post: Post
) -> None:
    assert api_client_for(charlie).post(save_url(private_bob_post)).status_code == 404
    assert not Save.objects.exists()


def test_saved_list_needs_an_account(api_client: APIClient, db: None) -> None:
    assert api_client.get("/api/v1/me/saved/").status_code == 401
