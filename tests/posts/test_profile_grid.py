"""The profile page's grid of posts: visibility, cursor pages, constant queries."""

import re

import pytest
from django.test import Client

from accounts.models import User
from posts.models import Post
from tests.factories import PostFactory
from tests.helpers import assert_constant_queries

pytestmark = pytest.mark.django_db


def grid_links(html: str) -> list[str]:
    return re.findall(r'href="(/p/\d+/)"', html)


def test_profile_shows_the_authors_posts_newest_first(client: Client, alice: User) -> None:
    older = PostFactory(author=alice)
    newer = PostFactory(author=alice)
    response = client.get("/alice/")
    assert response.status_code == 200
    assert grid_links(response.content.decode()) == [f"/p/{newer.pk}/", f"/p/{older.pk}/"]


def test_private_profile_grid_is_hidden_from_strangers(
    client: Client, private_bob_post: Post, private_bob: User
) -> None:
    html = client.get("/bob/").content.decode()
    assert grid_links(html) == []
    owner = Client()
    owner.force_login(private_bob)
    assert grid_links(owner.get("/bob/").content.decode()) == [f"/p/{private_bob_post.pk}/"]


def test_grid_pages_by_cursor_without_repeats(client: Client, alice: User) -> None:
    posts = [PostFactory(author=alice) for _ in range(26)]
    first = client.get("/alice/").content.decode()
    assert len(grid_links(first)) == 24
    next_url = re.search(r'hx-get="([^"]+)"', first).group(1).replace("&amp;", "&")
    more = client.get(next_url, HTTP_HX_REQUEST="true")
    assert "<html" not in more.content.decode()
    seen = grid_links(first) + grid_links(more.content.decode())
    assert sorted(seen) == sorted(f"/p/{post.pk}/" for post in posts)


def test_bad_cursor_is_404_not_500(client: Client, alice: User) -> None:
    assert client.get("/alice/", {"cursor": "garbage"}).status_code == 404


def test_profile_grid_query_count_is_constant(client: Client, alice: User) -> None:
    PostFactory(author=alice)

    def view() -> None:
        assert client.get("/alice/").status_code == 200

    assert_constant_queries(view, lambda: PostFactory.create_batch(5, author=alice), at_most=5)


def test_profile_counts_read_naturally(client: Client, alice: User) -> None:
    PostFactory(author=alice)
    html = client.get("/alice/").content.decode()
    assert "1</span> post</li>" in html
    assert "0</span> followers</a>" in html
