"""THE MATRIX: every page and endpoint that shows posts or people, for every relation a
viewer can have to bob (the owner), on a private and on a public account.

- can_see_person: no block between bob and the viewer, either way.
- can_see_posts: can_see_person, and bob public or the viewer his approved follower.
A post the viewer may not see answers exactly like a missing one: same status, same body.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from posts import selectors as post_selectors
from posts import services as post_services
from posts.models import Post
from tests.conftest import bearer_client
from tests.factories import (
    CommentFactory,
    PostFactory,
    UserFactory,
    block,
    follow,
    make_private,
    request_follow,
)
from tests.social.conftest import page_client

pytestmark = pytest.mark.django_db

RELATIONS = ["anonymous", "stranger", "requester", "follower", "blocked_by_bob", "blocker_of_bob"]
CASES = [
    pytest.param((privacy, relation), id=f"{privacy}-{relation}")
    for privacy in ("private", "public")
    for relation in RELATIONS
    if not (privacy == "public" and relation == "requester")
]
MISSING_POST = 2**31 - 1


@dataclass
class World:
    bob: User
    viewer: User | None
    post: Post
    dave: User
    can_see_person: bool
    can_see_posts: bool

    def api(self) -> APIClient:
        return bearer_client(self.viewer) if self.viewer else APIClient()

    def page(self) -> Client:
        return page_client(self.viewer) if self.viewer else Client()


@pytest.fixture
def world(request: pytest.FixtureRequest, db: None) -> World:
    privacy, relation = request.param
    bob = UserFactory(username="bob", full_name="Bob Builder")
    dave = UserFactory(username="dave")
    viewer = None if relation == "anonymous" else UserFactory(username="charlie")
    post = PostFactory(author=bob, caption="Only for friends")
    CommentFactory(post=post, author=bob, text="first!")
    post_services.like_create(user=bob, post=post)
    follow(dave, bob)
    follow(bob, dave)
    if privacy == "private":
        make_private(bob)
    match relation:
        case "requester":
            request_follow(viewer, bob)
        case "follower":
            follow(viewer, bob)
        case "blocked_by_bob":
            block(bob, viewer)
        case "blocker_of_bob":
            block(viewer, bob)
    can_see_person = relation not in ("blocked_by_bob", "blocker_of_bob")
    can_see_posts = can_see_person and (privacy == "public" or relation == "follower")
    return World(bob, viewer, post, dave, can_see_person, can_see_posts)


def matrix(test: Callable) -> Callable:
    return pytest.mark.parametrize("world", CASES, indirect=True)(test)


def without_csrf(html: str) -> str:
    return re.sub(r'(csrf-token" content|csrfmiddlewaretoken" value)="[^"]*"', "", html)


def names(response) -> list[str]:
    return [user["username"] for user in response.json()["results"]]


# --- Posts --------------------------------------------------------------------------------


@matrix
def test_post_detail_api(world: World) -> None:
    client = world.api()
    response = client.get(f"/api/v1/posts/{world.post.pk}/")
    if world.can_see_posts:
        assert response.status_code == 200
    else:
        missing = client.get(f"/api/v1/posts/{MISSING_POST}/")
        assert (response.status_code, response.json()) == (404, missing.json())


@matrix
def test_post_page(world: World) -> None:
    client = world.page()
    response = client.get(f"/p/{world.post.pk}/")
    if world.can_see_posts:
        assert response.status_code == 200
    else:
        missing = client.get(f"/p/{MISSING_POST}/")
        assert response.status_code == missing.status_code == 404
        assert without_csrf(response.content.decode()) == without_csrf(missing.content.decode())


@matrix
def test_user_posts_api(world: World) -> None:
    response = world.api().get("/api/v1/users/bob/posts/")
    ids = [post["id"] for post in response.json()["results"]] if response.status_code == 200 else []
    assert response.status_code == (200 if world.can_see_person else 404)
    assert ids == ([world.post.pk] if world.can_see_posts else [])


@matrix
@pytest.mark.parametrize("listing", ["comments", "likes"])
def test_comments_and_likes_lists_api(world: World, listing: str) -> None:
    client = world.api()
    response = client.get(f"/api/v1/posts/{world.post.pk}/{listing}/")
    if world.can_see_posts:
        assert response.status_code == 200
        assert len(response.json()["results"]) == 1
    else:
        missing = client.get(f"/api/v1/posts/{MISSING_POST}/{listing}/")
        assert (response.status_code, response.json()) == (404, missing.json())


@matrix
@pytest.mark.parametrize(
    ("method", "path", "ok"),
    [
        ("post", "like/", 200),
        ("post", "save/", 200),
        ("post", "comments/", 201),
    ],
)
def test_actions_api(world: World, method: str, path: str, ok: int) -> None:
    client = world.api()
    data = {"text": "hello"} if path == "comments/" else None
    response = getattr(client, method)(f"/api/v1/posts/{world.post.pk}/{path}", data)
    if world.viewer is None:
        assert response.status_code == 401
    elif world.can_see_posts:
        assert response.status_code == ok
    else:
        missing = getattr(client, method)(f"/api/v1/posts/{MISSING_POST}/{path}", data)
        assert (response.status_code, response.json()) == (404, missing.json())


@matrix
def test_like_from_the_page(world: World) -> None:
    response = world.page().post(f"/p/{world.post.pk}/like/", {"liked": "1"})
    if world.viewer is None:
        assert "/accounts/login/" in response.url
    else:
        assert response.status_code == (302 if world.can_see_posts else 404)


# --- People -------------------------------------------------------------------------------


@matrix
def test_profile_page_and_grid(world: World) -> None:
    response = world.page().get("/bob/")
    html = response.content.decode()
    if world.viewer and world.viewer.blocks_made.exists():
        # The blocker sees a header with "Unblock", never the posts.
        assert response.status_code == 200
        assert "You blocked this account" in html
    elif not world.can_see_person:
        assert response.status_code == 404
        return
    else:
        assert response.status_code == 200
        assert "Bob Builder" in html
        assert ("This account is private" in html) is not world.can_see_posts
    assert (f"/p/{world.post.pk}/" in html) is world.can_see_posts


@matrix
def test_profile_api(world: World) -> None:
    response = world.api().get("/api/v1/users/bob/")
    assert response.status_code == (200 if world.can_see_person else 404)
    if world.can_see_person:
        assert response.json()["followers_count"] == bob_followers(world)


def bob_followers(world: World) -> int:
    world.bob.refresh_from_db()
    return world.bob.followers_count


@matrix
@pytest.mark.parametrize("direction", ["followers", "following"])
def test_followers_and_following_api(world: World, direction: str) -> None:
    response = world.api().get(f"/api/v1/users/bob/{direction}/")
    if not world.can_see_person:
        assert response.status_code == 404
    elif not world.can_see_posts:
        assert (response.status_code, names(response)) == (200, [])
    else:
        assert "dave" in names(response)


@matrix
@pytest.mark.parametrize("direction", ["followers", "following"])
def test_followers_and_following_pages(world: World, direction: str) -> None:
    response = world.page().get(f"/bob/{direction}/")
    html = response.content.decode()
    if not world.can_see_person:
        assert response.status_code == 404
    elif not world.can_see_posts:
        assert "This account is private" in html
        assert 'id="person-dave"' not in html
    else:
        assert 'id="person-dave"' in html


@matrix
def test_search_api(world: World) -> None:
    response = world.api().get("/api/v1/users/", {"q": "bob"})
    assert ("bob" in names(response)) is world.can_see_person


@matrix
def test_follow_api(world: World) -> None:
    response = world.api().post("/api/v1/users/bob/follow/")
    if world.viewer is None:
        assert response.status_code == 401
    elif not world.can_see_person:
        assert response.status_code == 404
    else:
        private = world.bob.is_private
        expected = "following" if not private or world.can_see_posts else "requested"
        assert response.json() == {"status": expected}


# --- Blocked users' content on someone else's post --------------------------------------------


@pytest.mark.parametrize("blocker", ["alice", "charlie"])
def test_blocked_users_comments_and_likes_are_hidden_from_each_other(
    alice: User, bob: User, charlie: User, blocker: str
) -> None:
    post = PostFactory(author=bob)
    CommentFactory(post=post, author=charlie, text="from charlie")
    post_services.like_create(user=charlie, post=post)
    block(*((alice, charlie) if blocker == "alice" else (charlie, alice)))

    comments = post_selectors.comment_list_for_post(post=post, viewer=alice)
    likes = post_selectors.like_list_for_post(post=post, viewer=alice)

    assert list(comments) == []
    assert list(likes) == []
    assert len(post_selectors.comment_list_for_post(post=post, viewer=bob)) == 1


def test_a_user_who_blocked_you_cannot_be_mentioned(alice: User, bob: User) -> None:
    block(bob, alice)
    post = PostFactory(author=alice, caption="hey @bob")
    assert not post.mentions.exists()
