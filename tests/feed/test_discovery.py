"""Explore, trending tags, tag pages, suggestions and search."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import User
from posts.models import Post
from tests.conftest import bearer_client
from tests.factories import PostFactory, UserFactory, block, follow, make_private

pytestmark = pytest.mark.django_db


def ids(response: object) -> list[int]:
    return [item["id"] for item in response.json()["results"]]


def like(post: Post, count: int) -> None:
    Post.objects.filter(pk=post.pk).update(likes_count=count)


def test_explore_excludes_followed_blocked_private_and_own(
    alice: User, bob: User, charlie: User, alice_api: APIClient
) -> None:
    dave, erin, frank = (UserFactory(username=name) for name in ("dave", "erin", "frank"))
    follow(alice, bob)
    block(charlie, alice)  # charlie blocked alice
    block(alice, dave)  # alice blocked dave
    make_private(erin)
    posts = {user.username: PostFactory(author=user) for user in (alice, bob, charlie, dave, erin)}
    popular = PostFactory(author=frank)
    assert ids(alice_api.get("/api/v1/explore/")) == [popular.pk]
    anonymous = ids(APIClient().get("/api/v1/explore/"))
    assert posts["erin"].pk not in anonymous
    assert {posts["bob"].pk, posts["charlie"].pk, popular.pk} <= set(anonymous)


def test_explore_ranks_by_engagement_with_decay(alice: User, bob: User, charlie: User) -> None:
    quiet = PostFactory(author=bob)
    liked = PostFactory(author=charlie)
    like(liked, 50)
    old_hit = PostFactory(author=charlie)
    like(old_hit, 60)
    Post.objects.filter(pk=old_hit.pk).update(created_at=old_hit.created_at - timedelta(days=5))
    assert ids(bearer_client(alice).get("/api/v1/explore/")) == [liked.pk, quiet.pk, old_hit.pk]


def test_explore_page_shows_grid_trending_and_suggestions(
    alice: User, bob: User, alice_client: Client
) -> None:
    PostFactory(author=bob, caption="#Sunset again")
    html = alice_client.get("/explore/").content.decode()
    assert 'data-testid="post-grid"' in html
    assert 'data-testid="trending"' in html
    assert "#sunset" in html
    assert 'data-testid="suggestions"' in html


def test_trending_counts_recent_public_posts(alice: User, bob: User, charlie: User) -> None:
    for _ in range(3):
        PostFactory(author=bob, caption="#cats")
    PostFactory(author=charlie, caption="#dogs #cats")
    make_private(alice)
    for _ in range(5):
        PostFactory(author=alice, caption="#secret")
    body = APIClient().get("/api/v1/tags/trending/").json()
    assert body["results"] == [
        {"name": "cats", "posts_count": 4},
        {"name": "dogs", "posts_count": 1},
    ]


def test_tag_page_lists_only_visible_posts(
    alice: User, bob: User, charlie: User, alice_api: APIClient, alice_client: Client
) -> None:
    make_private(bob)
    hidden = PostFactory(author=bob, caption="#Beach day")
    seen = PostFactory(author=charlie, caption="At the #beach")
    mine = PostFactory(author=alice, caption="#BEACH")
    assert ids(alice_api.get("/api/v1/tags/beach/posts/")) == [mine.pk, seen.pk]
    follow(alice, bob)
    assert ids(alice_api.get("/api/v1/tags/Beach/posts/")) == [mine.pk, seen.pk, hidden.pk]
    assert alice_api.get("/api/v1/tags/nothing/posts/").status_code == 404
    html = alice_client.get("/explore/tags/beach/").content.decode()
    assert html.count("<li>") >= 3
    assert alice_client.get("/tags/beach/").url == "/explore/tags/beach/"


def test_tag_pages_paginate_without_repeats(alice: User, bob: User) -> None:
    made = [PostFactory(author=bob, caption=f"#many {n}").pk for n in range(7)]
    client = bearer_client(alice)
    seen, url = [], "/api/v1/tags/many/posts/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
    assert seen == made[::-1]


def test_suggestions_friends_of_friends_first_with_reasons(
    alice: User, bob: User, charlie: User, alice_api: APIClient
) -> None:
    dave, erin, star, blocked = (
        UserFactory(username=name) for name in ("dave", "erin", "star", "blocker")
    )
    follow(alice, bob)
    follow(alice, charlie)
    follow(alice, erin)
    for friend in (bob, charlie, erin):
        follow(friend, dave)
    follow(bob, blocked)
    block(blocked, alice)
    for _ in range(3):
        follow(UserFactory(), star)
    results = alice_api.get("/api/v1/users/suggested/").json()["results"]
    names = [item["username"] for item in results]
    assert names[0] == "dave"
    assert results[0]["reason"] == "followed by bob + 2 more"
    assert "blocker" not in names
    assert "bob" not in names
    assert "alice" not in names
    assert names[1] == "star"
    assert set(results[0]) == {"username", "full_name", "avatar", "reason"}


def test_suggested_is_not_a_username(alice_api: APIClient, api_client: APIClient) -> None:
    assert alice_api.get("/api/v1/users/suggested/").status_code == 200
    assert api_client.get("/api/v1/users/suggested/").status_code == 401


def test_search_page_ranks_users_and_hashtags(alice: User, alice_client: Client) -> None:
    UserFactory(username="sunny", full_name="Sam Sun")
    UserFactory(username="xsun", full_name="Other")
    UserFactory(username="sun", full_name="Exact")
    PostFactory(author=alice, caption="#sunset #sun #tsunami")
    PostFactory(author=alice, caption="#sunset")
    html = alice_client.get("/search/?q=sun").content.decode()
    people = html.split('data-testid="user-results"')[1].split("</ul>")[0]
    assert people.index("/sun/") < people.index("/sunny/") < people.index("/xsun/")
    tags = html.split('data-testid="tag-results"')[1].split("</ul>")[0]
    assert tags.index("#sun<") < tags.index("#sunset<") < tags.index("#tsunami<")
    assert "2 posts" in tags


def test_user_search_api_keeps_its_shape(alice_api: APIClient) -> None:
    UserFactory(username="sunny", full_name="Sam Sun")
    body = alice_api.get("/api/v1/users/?q=sun").json()
    assert body["next"] is None
    assert body["results"][0]["username"] == "sunny"


def test_search_ranks_a_bounded_set_of_candidates_and_keeps_the_exact_match_first(
    settings: object, alice: User, django_assert_max_num_queries: Callable
) -> None:
    # The bound keeps a term most names contain from ranking the whole table; the exact
    # match and the prefix matches are still found whatever else matches.
    settings.SEARCH_MAX_CANDIDATES = 2
    for number in range(6):
        UserFactory(username=f"xsun{number}")
    UserFactory(username="sunny")
    UserFactory(username="sun")
    PostFactory(author=alice, caption="#sun #sunset " + " ".join(f"#t{n}sun" for n in range(6)))
    api = APIClient()
    with django_assert_max_num_queries(4):
        people = [user["username"] for user in api.get("/api/v1/users/?q=sun").json()["results"]]
    assert people[:2] == ["sun", "sunny"]
    # The exact one, at most 2 prefix matches and at most 2 matches anywhere.
    assert 2 <= len(people) <= 5
    with django_assert_max_num_queries(8):
        html = Client().get("/search/?q=sun").content.decode()
    tags = html.split('data-testid="tag-results"')[1].split("</ul>")[0]
    assert tags.index("#sun<") < tags.index("#sunset<")
    assert tags.count("#t") <= 2


def test_seed_demo_fills_an_empty_site(settings: object, committed: Callable) -> None:
    with committed():
        call_command("seed_demo", users=4, posts=5, seed=1)
    assert User.objects.count() == 4
    assert Post.objects.count() == 5
    with pytest.raises(Exception, match="--reset"):
        call_command("seed_demo", users=4, posts=5)
    with committed():
        call_command("seed_demo", users=3, posts=2, reset=True)
    assert User.objects.count() == 3
