"""The /ws/ contract (API.md "Live updates"): subscriptions, events, limits, revocation."""

import asyncio
import itertools
import json
import logging

import pytest
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.test import RequestFactory
from rest_framework.test import APIClient

from instaclone import events
from posts import services as post_services
from posts.models import Post
from social import services as social_services
from tests.conftest import bearer_client
from tests.factories import CommentFactory, PostFactory, UserFactory, block, follow, make_private
from tests.live.conftest import (
    connect,
    db,
    next_event,
    nothing_more,
    session_cookie,
    socket,
    subscribe,
)

pytestmark = pytest.mark.django_db(transaction=True)


@db
def make_user(name: str, private: bool = False):
    user = UserFactory(username=name)
    return make_private(user) if private else user


@db
def make_post(author):
    return PostFactory(author=author)


# --- Subscriptions ------------------------------------------------------------------------


async def test_anonymous_sockets_watch_public_posts_only() -> None:
    alice, carol = await make_user("alice"), await make_user("carol", private=True)
    public, private = await make_post(alice), await make_post(carol)
    ws = await connect()
    await ws.send_json_to({"type": "subscribe", "posts": [public.pk, private.pk, 999_999]})
    assert await ws.receive_json_from() == {"type": "subscribed", "posts": [public.pk]}
    assert await ws.receive_json_from() == {
        "type": "post.counts",
        "post": public.pk,
        "likes_count": 0,
        "comments_count": 0,
    }
    await nothing_more(ws)
    await ws.disconnect()


async def test_private_posts_only_for_approved_followers() -> None:
    carol = await make_user("carol", private=True)
    stranger, fan = await make_user("stranger"), await make_user("fan")
    await db(follow)(fan, carol)
    post = await make_post(carol)
    assert await subscribe(await connect(stranger), [post.pk]) == []
    assert await subscribe(await connect(fan), [post.pk]) == [post.pk]
    assert await subscribe(await connect(carol), [post.pk]) == [post.pk]


async def test_blocked_either_way_is_left_out() -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    alice_post, carol_post = await make_post(alice), await make_post(carol)
    await db(block)(alice, bob)  # alice blocked bob
    await db(block)(bob, carol)  # bob blocked carol
    assert await subscribe(await connect(bob), [alice_post.pk, carol_post.pk]) == []


async def test_session_cookie_authenticates_and_sees_private_posts() -> None:
    carol, fan = await make_user("carol", private=True), await make_user("fan")
    await db(follow)(fan, carol)
    post = await make_post(carol)
    _, cookie = await session_cookie(fan)
    ws = socket(cookie=cookie)
    assert (await ws.connect())[0]
    assert await subscribe(ws, [post.pk]) == [post.pk]
    await ws.disconnect()


async def test_cookie_from_a_client_without_origin_is_ignored() -> None:
    carol, fan = await make_user("carol", private=True), await make_user("fan")
    await db(follow)(fan, carol)
    post = await make_post(carol)
    _, cookie = await session_cookie(fan)
    ws = socket(cookie=cookie, origin=None)
    assert (await ws.connect())[0]
    assert await subscribe(ws, [post.pk]) == []


async def test_more_than_100_posts_is_refused_whole() -> None:
    ws = await connect()
    await ws.send_json_to({"type": "subscribe", "posts": list(range(1, 102))})
    error = await ws.receive_json_from()
    assert error["type"] == "error"
    assert "100" in error["detail"]
    alice = await make_user("alice")
    post = await make_post(alice)
    # Nothing was kept: 100 more still fit, and the visible one is watched.
    assert await subscribe(ws, [post.pk, *range(10_000, 10_099)]) == [post.pk]
    await ws.disconnect()


async def test_bad_subscribe_shapes_get_an_error() -> None:
    ws = await connect()
    for posts in ("1,2", [1, "2"], [True], None):
        await ws.send_json_to({"type": "subscribe", "posts": posts})
        assert (await ws.receive_json_from())["type"] == "error"
    await ws.disconnect()


async def test_a_flood_closes_with_1008(settings) -> None:
    settings.LIVE_MAX_MESSAGES = 20
    ws = await connect()
    for _ in range(21):
        await ws.send_json_to({"type": "unsubscribe", "posts": []})
    assert await ws.receive_output(timeout=3) == {"type": "websocket.close", "code": 1008}


async def test_bad_token_closes_with_4401() -> None:
    ws = await connect()
    await ws.send_json_to({"type": "auth", "token": "not.a.token"})
    assert await ws.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


# --- Events -------------------------------------------------------------------------------


async def test_counts_follow_likes_unlikes_comments_and_deletions() -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    post = await make_post(alice)
    ws = await connect()
    await subscribe(ws, [post.pk])

    def counts(likes: int, comments: int) -> dict:
        return {
            "type": "post.counts",
            "post": post.pk,
            "likes_count": likes,
            "comments_count": comments,
        }

    await db(post_services.like_create)(user=bob, post=post)
    assert await next_event(ws, "post.counts") == counts(1, 0)
    await db(post_services.like_delete)(user=bob, post=post)
    assert await next_event(ws, "post.counts") == counts(0, 0)
    comment = await db(post_services.comment_create)(author=bob, post=post, text="hi")
    assert await next_event(ws, "post.counts") == counts(0, 1)
    await db(post_services.comment_delete)(comment=comment, actor=alice)
    assert await next_event(ws, "post.counts") == counts(0, 0)
    await ws.disconnect()


async def test_counts_follow_the_api_and_the_pages() -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    post = await make_post(alice)
    ws = await connect()
    await subscribe(ws, [post.pk])

    api = await db(bearer_client)(bob)
    response = await db(api.post)(f"/api/v1/posts/{post.pk}/like/")
    assert response.status_code in (200, 201)
    assert (await next_event(ws, "post.counts"))["likes_count"] == 1
    response = await db(api.post)(f"/api/v1/posts/{post.pk}/comments/", {"text": "via api"})
    assert response.status_code == 201
    assert (await next_event(ws, "comment.created"))["comment"]["text"] == "via api"

    page, _ = await session_cookie(alice)
    response = await db(page.post)(f"/p/{post.pk}/like/", {"liked": "1"})
    assert response.status_code in (200, 302)
    assert await next_event(ws, "post.counts", where=lambda e: e["likes_count"] == 2)
    await ws.disconnect()


async def test_no_event_on_rollback() -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    post = await make_post(alice)
    ws = await connect()
    await subscribe(ws, [post.pk])

    @db
    def like_then_fail() -> None:
        def like_in_a_failing_transaction() -> None:
            with transaction.atomic():
                post_services.like_create(user=bob, post=post)
                raise RuntimeError("rolled back")

        with pytest.raises(RuntimeError):
            like_in_a_failing_transaction()

    await like_then_fail()
    await nothing_more(ws, timeout=0.5)
    assert (await db(Post.objects.get)(pk=post.pk)).likes_count == 0
    await ws.disconnect()


async def test_comment_payloads_are_the_api_shapes() -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    post = await make_post(alice)
    ws = await connect()
    await subscribe(ws, [post.pk])

    comment = await db(CommentFactory)(post=post, author=bob, text="Nice #shot")
    created = await next_event(ws, "comment.created")
    api_list = (await db(APIClient().get)(f"/api/v1/posts/{post.pk}/comments/")).json()
    assert created == {
        "type": "comment.created",
        "post": post.pk,
        "comment": api_list["results"][0],
    }

    await db(post_services.comment_delete)(comment=comment, actor=bob)
    deleted = await next_event(ws, "comment.deleted")
    assert deleted == {"type": "comment.deleted", "post": post.pk, "comment": comment.pk}
    await ws.disconnect()


async def test_comments_of_blocked_people_are_not_forwarded() -> None:
    alice, bob, carol = await make_user("alice"), await make_user("bob"), await make_user("carol")
    post = await make_post(alice)
    await db(block)(bob, carol)
    ws = await connect(bob)
    await subscribe(ws, [post.pk])
    await db(CommentFactory)(post=post, author=carol, text="from carol")
    await next_event(ws, "post.counts")
    await nothing_more(ws)
    await ws.disconnect()


def unsigned(value: object) -> object:
    """`value` with its URLs' query strings cut: on S3 each answer signs its URLs anew,
    with the second it was made in."""
    if isinstance(value, dict):
        return {key: unsigned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [unsigned(item) for item in value]
    if isinstance(value, str) and value.startswith("http"):
        return value.split("?", 1)[0]
    return value


async def test_notifications_reach_the_recipient_only_with_the_unread_count() -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    post = await make_post(alice)
    alice_ws, bob_ws = await connect(alice), await connect(bob)

    await db(post_services.like_create)(user=bob, post=post)
    event = await next_event(alice_ws, "notification")
    api = await db(bearer_client)(alice)
    listed = (await db(api.get)("/api/v1/notifications/")).json()
    assert unsigned(event) == {
        "type": "notification",
        "notification": unsigned(listed["results"][0]),
        "unread_count": listed["unread_count"],
    }
    assert event["unread_count"] == 1
    assert event["notification"]["kind"] == "like"
    await nothing_more(bob_ws)
    # Nobody's anonymous socket hears of it either.
    anonymous = await connect()
    await db(post_services.comment_create)(author=bob, post=post, text="hello")
    assert (await next_event(alice_ws, "notification"))["unread_count"] == 2
    await nothing_more(anonymous)
    for ws in (alice_ws, bob_ws, anonymous):
        await ws.disconnect()


async def test_the_unread_count_goes_down_live_when_notifications_go_or_are_read() -> None:
    alice, bob = await make_user("alice"), await make_user("bob")
    post = await make_post(alice)
    alice_ws, bob_ws = await connect(alice), await connect(bob)
    await db(post_services.like_create)(user=bob, post=post)
    comment = await db(post_services.comment_create)(author=bob, post=post, text="hello")
    assert (await next_event(alice_ws, "notification"))["unread_count"] == 1
    assert (await next_event(alice_ws, "notification"))["unread_count"] == 2

    # Bob deletes his comment: its notification goes, and alice's badge with it.
    await db(post_services.comment_delete)(actor=bob, comment=comment)
    assert await next_event(alice_ws, "notifications.unread") == {
        "type": "notifications.unread",
        "unread_count": 1,
    }
    # Read on another page (the API here): every open page of alice's hears it.
    api = await db(bearer_client)(alice)
    assert (await db(api.post)("/api/v1/notifications/read/", {}, format="json")).status_code == 204
    assert (await next_event(alice_ws, "notifications.unread"))["unread_count"] == 0
    await nothing_more(bob_ws)
    for ws in (alice_ws, bob_ws):
        await ws.disconnect()


async def test_a_storm_is_coalesced_and_ends_on_the_exact_count() -> None:
    alice = await make_user("alice")
    post = await make_post(alice)
    fans = [await make_user(f"fan{n}") for n in range(30)]
    ws = await connect()
    await subscribe(ws, [post.pk])

    @db
    def storm() -> None:
        for fan in fans:
            post_services.like_create(user=fan, post=post)

    # Received while the storm goes on, so arrival times are the sending times.
    storming = asyncio.ensure_future(storm())
    loop = asyncio.get_running_loop()
    arrivals = []
    while True:
        event = await next_event(ws, "post.counts", timeout=2)
        arrivals.append((loop.time(), event["likes_count"]))
        if event["likes_count"] == 30:
            break
    await storming
    await nothing_more(ws, timeout=0.3)
    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(arrivals)]
    assert all(gap >= 0.09 for gap in gaps), gaps
    assert len(arrivals) < 30
    await ws.disconnect()


# --- A dead channel layer -----------------------------------------------------------------


def test_a_like_succeeds_when_the_channel_layer_is_down(settings, caplog) -> None:
    """A real RedisChannelLayer pointing at a closed port: the like is 200 and counted."""
    import socket as sockets

    with sockets.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{port}/0"]},
        }
    }
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    post = PostFactory(author=alice)
    with caplog.at_level(logging.ERROR, logger="instaclone.events"):
        response = bearer_client(bob).post(f"/api/v1/posts/{post.pk}/like/")
        events.wait_sent()
    assert response.status_code in (200, 201)
    assert response.json()["likes_count"] == 1
    post.refresh_from_db()
    assert post.likes_count == 1
    assert any("channel layer failed" in record.getMessage() for record in caplog.records)


# --- Revocation ---------------------------------------------------------------------------


async def test_a_block_stops_private_events() -> None:
    carol, fan = await make_user("carol", private=True), await make_user("fan")
    await db(follow)(fan, carol)
    post = await make_post(carol)
    ws = await connect(fan)
    await subscribe(ws, [post.pk])
    await db(block)(carol, fan)
    await asyncio.sleep(0.3)  # the socket re-checks on access.changed
    await db(post_services.like_create)(user=carol, post=post)
    await nothing_more(ws, timeout=0.5)
    await ws.disconnect()


async def test_removing_a_follower_stops_private_events() -> None:
    carol, fan = await make_user("carol", private=True), await make_user("fan")
    await db(follow)(fan, carol)
    post = await make_post(carol)
    ws = await connect(fan)
    await subscribe(ws, [post.pk])
    await db(social_services.follower_remove)(user=carol, follower=fan)
    await asyncio.sleep(0.3)
    await db(post_services.like_create)(user=carol, post=post)
    await nothing_more(ws, timeout=0.5)
    # A public post of someone else still reaches the socket.
    await ws.disconnect()


async def test_a_password_change_closes_the_users_sockets() -> None:
    fan = await make_user("fan")
    _, cookie = await session_cookie(fan)
    cookie_ws = socket(cookie=cookie)
    assert (await cookie_ws.connect())[0]
    jwt_ws = await connect(fan)

    @db
    def change_password() -> None:
        fan.set_password("a-brand-new-passphrase")
        fan.save()

    await change_password()
    for ws in (cookie_ws, jwt_ws):
        assert await ws.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def test_logging_out_closes_that_sessions_sockets_only() -> None:
    fan = await make_user("fan")
    _, cookie_one = await session_cookie(fan)
    client_two, cookie_two = await session_cookie(fan)
    one, two = socket(cookie=cookie_one), socket(cookie=cookie_two)
    assert (await one.connect())[0]
    assert (await two.connect())[0]
    await asyncio.sleep(0.1)

    response = await db(client_two.post)("/accounts/logout/")
    assert response.status_code in (200, 302)
    assert await two.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}
    await nothing_more(one)
    await one.disconnect()


async def test_logged_out_signal_without_session_is_ignored() -> None:
    fan = await make_user("fan")
    request = RequestFactory().get("/")
    await db(user_logged_out.send)(sender=type(fan), request=request, user=fan)


async def test_a_stale_session_is_noticed_on_the_periodic_recheck(settings) -> None:
    settings.LIVE_RECHECK_SECONDS = 0
    alice, fan = await make_user("alice"), await make_user("fan")
    post = await make_post(alice)
    client, cookie = await session_cookie(fan)
    ws = socket(cookie=cookie)
    assert (await ws.connect())[0]
    await subscribe(ws, [post.pk])
    await db(client.session.flush)()  # the session is gone without a logout signal
    await db(post_services.like_create)(user=alice, post=post)
    assert await ws.receive_output(timeout=3) == {"type": "websocket.close", "code": 4401}


async def test_an_account_turning_private_is_noticed_on_the_periodic_recheck(settings) -> None:
    settings.LIVE_RECHECK_SECONDS = 0
    alice, stranger = await make_user("alice"), await make_user("stranger")
    post = await make_post(alice)
    ws = await connect(stranger)
    await subscribe(ws, [post.pk])
    await db(make_private)(alice)
    await db(post_services.like_create)(user=alice, post=post)
    await nothing_more(ws, timeout=0.5)
    await ws.disconnect()


def test_server_keys_never_reach_clients() -> None:
    event = {"type": "post.counts", "post": 1, "likes_count": 2, "comments_count": 3, "_stamp": 9}
    assert json.loads(json.dumps(events.client_view(event))) == {
        "type": "post.counts",
        "post": 1,
        "likes_count": 2,
        "comments_count": 3,
    }


def test_publish_sends_nothing_without_a_listener_and_never_raises(settings) -> None:
    settings.CHANNEL_LAYERS = {}
    events.send_now("post.1", {"type": "post.counts"})
    events.send_now("post.1", lambda: 1 / 0)
