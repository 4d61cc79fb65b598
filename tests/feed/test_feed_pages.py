"""The home feed page and `GET feed/`: order, pagination, display data, query counts."""

import json
import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import User
from feed import selectors
from feed.models import HighReachAuthor
from posts.api.serializers import PostSerializer
from posts.selectors import post_get
from tests.conftest import bearer_client
from tests.factories import CommentFactory, PostFactory, follow
from tests.feed.network import grow_network
from tests.helpers import record_cache_round_trips

pytestmark = pytest.mark.django_db

# Outside the feed's own queries: JWT authentication loads the user (API); the session,
# with its user and the navigation's badges (HTML).
API_OVERHEAD = 1
HTML_OVERHEAD = 1
FEED_QUERIES = 5


def forget_visit(user: User) -> None:
    """As if the viewer's last read were more than FEED_SEEN_SECONDS ago: the next read
    records the visit (one UPDATE)."""
    cache.delete(f"feed:seen:{user.pk}")


def queries_of(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def test_anonymous_home_goes_to_login(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


def test_new_user_sees_welcome_and_suggestions(alice: User, bob: User, charlie: User) -> None:
    follow(bob, charlie)
    client = Client()
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "Welcome, Alice Liddell" in html
    assert 'data-testid="suggestions"' in html
    assert "charlie" in html


def test_feed_page_shows_posts_with_actions_and_latest_comments(
    alice: User, bob: User, committed: Callable
) -> None:
    with committed():
        follow(alice, bob)
        post = PostFactory(author=bob, caption="Sunset #beach with @alice", photos=2)
    for text in ("first", "second", "third"):
        CommentFactory(post=post, author=alice, text=text)
    client = Client()
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert 'data-testid="feed-post"' in html
    assert 'data-testid="like-button"' in html
    assert 'data-testid="save-button"' in html
    assert html.count('data-testid="comment"') == 2
    assert html.index("second") < html.index("third")
    assert "first" not in html
    assert "View all 3 comments" in html
    assert 'href="/tags/beach/"' in html
    assert 'href="/alice/"' in html
    assert 'aria-label="Photo 2 of 2"' in html


def without_signatures(data: object) -> object:
    """`data` with the signature cut from its signed media URLs (on S3): a signature
    carries the second it was made in, and the feed's card was signed before the post."""
    return json.loads(re.sub(r"\?X-Amz-[^\"]*", "", json.dumps(data)))


def test_api_feed_item_matches_the_post_shape(
    alice: User, bob: User, alice_api: APIClient, committed: Callable, rf: object
) -> None:
    with committed():
        follow(alice, bob)
        post = PostFactory(author=bob, caption="Hello #World @alice", photos=2)
    CommentFactory(post=post, author=alice, text="hi")
    response = alice_api.get("/api/v1/feed/")
    assert response.status_code == 200
    item = response.json()["results"][0]
    request = response.wsgi_request
    expected = PostSerializer(post_get(viewer=alice, post_id=post.pk), context={"request": request})
    shown = {key: item[key] for key in expected.data}
    assert without_signatures(shown) == without_signatures(expected.data)
    assert [comment["text"] for comment in item["latest_comments"]] == ["hi"]


def test_api_feed_needs_authentication(api_client: APIClient) -> None:
    assert api_client.get("/api/v1/feed/").status_code == 401


def test_bad_cursor_is_404(alice: User, alice_api: APIClient, alice_client: Client) -> None:
    assert alice_api.get("/api/v1/feed/?cursor=nonsense").status_code == 404
    assert alice_client.get("/?cursor=%%%").status_code == 404


@pytest.mark.parametrize("page_size", [5, 20, 50])
def test_pagination_has_no_repeats_or_gaps(alice: User, page_size: int) -> None:
    expected = [post.pk for post in grow_network(alice, followees=7, posts=120, prefix="p")]
    client = bearer_client(alice)
    seen: list[int] = []
    url = f"/api/v1/feed/?page_size={page_size}"
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= page_size
        seen += [item["id"] for item in body["results"]]
        url = body["next"]
    assert seen == expected


def test_html_pages_scroll_with_htmx_and_a_more_link(alice: User) -> None:
    grow_network(alice, followees=3, posts=25, prefix="h")
    client = Client()
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert 'hx-trigger="revealed"' in html
    next_url = html.split('data-testid="feed-more"')[0].rsplit('hx-get="', 1)[1].split('"')[0]
    next_url = next_url.replace("&amp;", "&")
    assert next_url.startswith("/?cursor=")
    partial = client.get(next_url, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert partial.count('data-testid="feed-post"') == 5
    assert 'data-testid="feed-more"' not in partial
    plain = client.get(next_url).content.decode()
    assert "<html" in plain


@pytest.mark.parametrize(("followees", "page_size"), [(0, 20), (10, 5), (60, 20), (200, 50)])
def test_feed_queries_stay_constant(
    alice: User, followees: int, page_size: int, settings: object, committed: Callable
) -> None:
    """<= 5 queries of the feed's own, whatever the page size or followees, with a
    high-reach account merged at read time; measured with a cold cache (the visit is
    recorded) and a warm one."""
    settings.FEED_FANOUT_MAX_FOLLOWERS = 1
    with committed():
        PostFactory(author=alice)
    if followees:
        grow_network(alice, followees=followees, posts=max(page_size * 2, followees), prefix="q")
        HighReachAuthor.objects.create(user=User.objects.get(username="q0"))
    selectors.feed_page_for(viewer=alice)  # her first read ever: her feed state is created
    forget_visit(alice)
    visit = queries_of(lambda: selectors.feed_page_for(viewer=alice, size=page_size))
    again = queries_of(lambda: selectors.feed_page_for(viewer=alice, size=page_size))
    assert visit <= FEED_QUERIES
    assert again == visit - 1
    page = selectors.feed_page_for(viewer=alice, size=page_size)
    posts = 1 + (max(page_size * 2, followees) if followees else 0)
    assert len(page.posts) == min(page_size, posts)


@pytest.mark.parametrize("page_size", [5, 50])
def test_api_feed_page_queries(
    alice: User, page_size: int, django_assert_max_num_queries: Callable
) -> None:
    grow_network(alice, followees=120, posts=150, prefix="a")
    client = bearer_client(alice)
    client.get("/api/v1/feed/")
    forget_visit(alice)
    with django_assert_max_num_queries(API_OVERHEAD + FEED_QUERIES):
        response = client.get(f"/api/v1/feed/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size
    with django_assert_max_num_queries(API_OVERHEAD + FEED_QUERIES - 1):
        client.get(f"/api/v1/feed/?page_size={page_size}")


def test_html_feed_page_queries(alice: User, django_assert_max_num_queries: Callable) -> None:
    grow_network(alice, followees=120, posts=150, prefix="w")
    client = Client()
    client.force_login(alice)
    client.get("/")
    forget_visit(alice)
    with django_assert_max_num_queries(HTML_OVERHEAD + FEED_QUERIES):
        response = client.get("/")
    assert response.content.decode().count('data-testid="feed-post"') == 20
    with django_assert_max_num_queries(HTML_OVERHEAD + FEED_QUERIES - 1):
        client.get("/")


def test_feed_queries_with_5000_followees(alice: User) -> None:
    grow_network(alice, followees=5000, posts=300, prefix="k")
    selectors.feed_page_for(viewer=alice)
    forget_visit(alice)
    assert queries_of(lambda: selectors.feed_page_for(viewer=alice, size=50)) <= FEED_QUERIES


def test_feed_uses_at_most_two_cache_round_trips(
    alice: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    grow_network(alice, followees=5, posts=30, prefix="c")
    calls = record_cache_round_trips(monkeypatch)
    selectors.feed_page_for(viewer=alice)
    forget_visit(alice)
    calls.clear()
    selectors.feed_page_for(viewer=alice)
    assert calls == ["get_many", "set_many"]
    calls.clear()
    selectors.feed_page_for(viewer=alice)
    assert calls == ["get_many"]


def test_author_summary_has_only_public_fields(alice: User) -> None:
    grow_network(alice, followees=2, posts=3, prefix="u")
    body = bearer_client(alice).get("/api/v1/feed/").json()
    assert set(body["results"][0]["author"]) == {"username", "full_name", "avatar"}


def test_other_viewers_feed_is_theirs(alice: User, bob: User) -> None:
    grow_network(alice, followees=2, posts=3, prefix="o")
    assert bearer_client(bob).get("/api/v1/feed/").json()["results"] == []
