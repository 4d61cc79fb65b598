"""The one websocket endpoint, /ws/: authentication, post subscriptions, live events.

Contract: API.md, "Live updates (WebSocket)". Events arrive through this process's hub
(instaclone.events), which joins each group once for all local sockets; a socket only
registers with it.

What stops private events to an open socket:
- block either way, "remove follower", unfollow: the service publishes `access.changed` to
  both users; the socket re-checks all its subscriptions with `visible_posts` (one query)
  and reloads whom the viewer blocks or is blocked by (their comments are not forwarded);
- logout: the session's sockets close (4401); other sessions of the user stay open;
- password change or deactivation: every socket of the user closes (4401);
- anything else (an account turning private, an author deactivated, a follow ended
  elsewhere): every subscription is re-checked at least every LIVE_RECHECK_SECONDS before
  the next event is forwarded; a session socket's session and a JWT socket's token are
  re-validated then too.
"""

import asyncio
import json
import logging
import random
import time
import types
from collections import deque
from collections.abc import Coroutine, Generator
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.utils.crypto import constant_time_compare
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

from accounts.authentication import JWTAuthentication
from instaclone import events

logger = logging.getLogger(__name__)

CLOSE_BAD_TOKEN = 4401
CLOSE_TOO_BIG = 1009
CLOSE_POLICY = 1008
MAX_FRAME_BYTES = 64 * 1024
MAX_POSTS_PER_SOCKET = 100
# A socket whose client does not read its events closes rather than queueing without end.
MAX_OUTBOX = 256


def setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


@database_sync_to_async
def user_from_access_token(token: str) -> Any:
    """The active user an access JWT names, or None for a bad, expired or revoked token."""
    authentication = JWTAuthentication()
    try:
        return authentication.get_user(authentication.get_validated_token(token.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return None


@database_sync_to_async
def visible_rows(user: Any, post_ids: list[int]) -> list[tuple[int, int, int]]:
    """(id, likes_count, comments_count) of the posts among `post_ids` that `user` may
    see: one query through THE visibility rule."""
    from posts.selectors import visible_posts

    return list(
        visible_posts(user)
        .filter(pk__in=post_ids)
        .values_list("pk", "likes_count", "comments_count")
    )


@database_sync_to_async
def blocked_either_way_ids(user: Any) -> frozenset[int]:
    from social.models import Block

    pairs = (
        Block.objects.filter(blocker=user)
        .values_list("blocked_id", flat=True)
        .union(Block.objects.filter(blocked=user).values_list("blocker_id", flat=True))
    )
    return frozenset(pairs)


@database_sync_to_async
def session_still_valid(user: Any, session_key: str) -> bool:
    """The session still exists, names this user, and the password has not changed since."""
    from importlib import import_module

    from accounts.models import User

    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    data = store.load()
    if str(data.get(SESSION_KEY)) != str(user.pk):
        return False
    current = User.objects.filter(pk=user.pk, is_active=True).first()
    return current is not None and constant_time_compare(
        data.get(HASH_SESSION_KEY, ""), current.get_session_auth_hash()
    )


@database_sync_to_async
def password_unchanged(user: Any) -> bool:
    from accounts.models import User

    return User.objects.filter(pk=user.pk, is_active=True, password=user.password).exists()


@types.coroutine
def resumed(coroutine: Coroutine, awaited: Any) -> Generator[Any, Any, Any]:
    """Await `coroutine`, which was started by hand (`send(None)`) and is suspended on
    `awaited`, as though it had been awaited from its start (what `yield from` does)."""
    while True:
        try:
            sent = yield awaited
        except BaseException as error:
            try:
                awaited = coroutine.throw(error)
            except StopIteration as done:
                return done.value
        else:
            try:
                awaited = coroutine.send(sent)
            except StopIteration as done:
                return done.value


class LiveConsumer(AsyncWebsocketConsumer):
    # The hub joins channel-layer groups for every socket of the process; a socket needs no
    # channel of its own (an alias that names no layer means none).
    channel_layer_alias = "live.no-channel-per-socket"

    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.token: str | None = None
        session = self.scope.get("session")
        self.session_key = session.session_key if self.is_authenticated() and session else None
        self.hub = events.hub()
        self.posts: set[int] = set()
        self.blocked: frozenset[int] = frozenset()
        self.user_group: str | None = None
        self.outbox: deque[list] = deque()  # [post id of a post.counts or None, text]
        self.unsent_counts: dict[int, list] = {}
        self.counts_sent_at: dict[int, float] = {}  # post id: loop time of its last counts
        self.writer: asyncio.Task | None = None
        self.checking: asyncio.Task | None = None
        self.held: list[tuple[dict, str]] = []
        self.checked_at = time.monotonic()
        self.recheck_after = self._recheck_interval()
        self.window_start = time.monotonic()
        self.window_count = 0
        self.closed = False
        await self.accept()
        if self.is_authenticated():
            await self.join_user()

    def is_authenticated(self) -> bool:
        return self.user is not None and getattr(self.user, "is_authenticated", False)

    def _recheck_interval(self) -> float:
        # Jittered, so that sockets opened together do not all re-check at once.
        seconds = setting("LIVE_RECHECK_SECONDS", 60)
        return seconds * random.uniform(0.75, 1.0)

    async def join_user(self) -> None:
        self.blocked = await blocked_either_way_ids(self.user)
        self.user_group = events.user_group(self.user.pk)
        await self.hub.join(self.user_group, self)

    async def disconnect(self, code: int) -> None:
        self.closed = True
        for post_id in list(self.posts):
            await self.hub.leave(events.post_group(post_id), self)
        self.posts.clear()
        if self.user_group is not None:
            await self.hub.leave(self.user_group, self)
        for task in (self.writer, self.checking):
            if task is not None and task is not asyncio.current_task():
                task.cancel()

    # --- Client messages -------------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        size = len(text_data.encode()) if text_data is not None else len(bytes_data or b"")
        if size > MAX_FRAME_BYTES:
            await self.close(code=CLOSE_TOO_BIG)
            return
        if self.flooding():
            await self.close(code=CLOSE_POLICY)
            return
        try:
            message = json.loads(text_data or "")
        except (json.JSONDecodeError, TypeError):
            await self.send_json({"type": "error", "detail": "Messages must be JSON objects."})
            return
        if not isinstance(message, dict):
            await self.send_json({"type": "error", "detail": "Messages must be JSON objects."})
            return
        handler = {
            "auth": self.handle_auth,
            "subscribe": self.handle_subscribe,
            "unsubscribe": self.handle_unsubscribe,
        }.get(message.get("type"))
        if handler is None:
            await self.send_json({"type": "error", "detail": "Unknown message type."})
            return
        await handler(message)

    def flooding(self) -> bool:
        """More than LIVE_MAX_MESSAGES client messages within LIVE_RATE_WINDOW seconds."""
        now = time.monotonic()
        if now - self.window_start > setting("LIVE_RATE_WINDOW", 10):
            self.window_start, self.window_count = now, 0
        self.window_count += 1
        return self.window_count > setting("LIVE_MAX_MESSAGES", 60)

    async def handle_auth(self, message: dict) -> None:
        token = message.get("token")
        user = await user_from_access_token(token) if isinstance(token, str) else None
        if user is None:
            await self.close(code=CLOSE_BAD_TOKEN)
            return
        if self.is_authenticated() and self.user.pk != user.pk:
            await self.send_json({"type": "error", "detail": "Already authenticated."})
            return
        self.user = user
        self.scope["user"] = user
        self.token = token
        self.session_key = None
        await self.send_json({"type": "auth.ok", "username": user.username})
        if self.user_group is None:
            await self.join_user()
        else:
            self.blocked = await blocked_either_way_ids(user)

    @staticmethod
    def post_ids(message: dict) -> list[int] | None:
        ids = message.get("posts")
        if not isinstance(ids, list) or not all(
            isinstance(value, int) and not isinstance(value, bool) for value in ids
        ):
            return None
        return list(dict.fromkeys(ids))

    async def handle_subscribe(self, message: dict) -> None:
        ids = self.post_ids(message)
        if ids is None:
            await self.send_json({"type": "error", "detail": "posts must be a list of ids."})
            return
        new = [post_id for post_id in ids if post_id not in self.posts]
        if len(self.posts) + len(new) > MAX_POSTS_PER_SOCKET:
            await self.send_json(
                {
                    "type": "error",
                    "detail": f"At most {MAX_POSTS_PER_SOCKET} posts per socket: "
                    "unsubscribe from some first. Nothing changed.",
                }
            )
            return
        rows = await visible_rows(self.user, ids) if ids else []
        if self.closed:
            return
        visible = {row[0]: row for row in rows}
        for post_id in new:
            if post_id in visible:
                self.posts.add(post_id)
                await self.hub.join(events.post_group(post_id), self)
        watched = [post_id for post_id in ids if post_id in visible]
        await self.send_json({"type": "subscribed", "posts": watched})
        # Current counts, so a client that reconnects is up to date at once.
        for post_id in watched:
            _, likes, comments = visible[post_id]
            await self.send_json(
                {
                    "type": "post.counts",
                    "post": post_id,
                    "likes_count": likes,
                    "comments_count": comments,
                }
            )

    async def handle_unsubscribe(self, message: dict) -> None:
        ids = self.post_ids(message)
        if ids is None:
            await self.send_json({"type": "error", "detail": "posts must be a list of ids."})
            return
        for post_id in ids:
            if post_id in self.posts:
                self.posts.discard(post_id)
                self.counts_sent_at.pop(post_id, None)
                await self.hub.leave(events.post_group(post_id), self)

    # --- Events from the hub ---------------------------------------------------------------

    def deliver(self, event: dict, text: str) -> None:
        """Called by the hub for each event of a group this socket is in (synchronous)."""
        if self.closed:
            return
        kind = event.get("type")
        if kind == "session.revoked":
            session = event.get("_session")
            if session is None or session == self.session_key:
                self.start_check(close=True)
            return
        if kind == "access.changed":
            self.start_check()
            return
        post_id = event.get("post")
        if post_id is not None and post_id not in self.posts:
            return
        if kind == "comment.created" and event.get("_author") in self.blocked:
            return
        if self.checking is not None or time.monotonic() - self.checked_at > self.recheck_after:
            self.held.append((event, text))
            self.start_check()
            return
        self.push(text, post_id if kind == "post.counts" else None)

    def push(self, text: str, counts_of: int | None = None) -> None:
        if counts_of is not None:
            self.push_counts(counts_of, text)
        else:
            self.enqueue([None, text])

    def push_counts(self, post_id: int, text: str) -> None:
        """Queue a `post.counts`, at most one per post per interval on this socket.

        The hub already coalesces per process, but its fan-out reaches sockets unevenly (a
        busy loop writes the first window's counts late and the next one on time), so the
        spacing is also kept here, where the frames are written. Counts waiting for their
        turn, or not yet written to a slow socket, are replaced by newer ones rather than
        queued behind them: the last one written is always the newest."""
        waiting = self.unsent_counts.get(post_id)
        if waiting is not None:
            waiting[1] = text
            return
        entry = [post_id, text]
        self.unsent_counts[post_id] = entry
        self.release_counts(entry)

    def release_counts(self, entry: list) -> None:
        if self.unsent_counts.get(entry[0]) is not entry:
            return
        if self.closed or entry[0] not in self.posts:
            # Unsubscribed, or no longer visible after a re-check, while it waited.
            del self.unsent_counts[entry[0]]
            return
        loop = asyncio.get_running_loop()
        wait = self.counts_sent_at.get(entry[0], -1e9) + self.hub.counts_interval - loop.time()
        if wait > 0:
            loop.call_later(wait, self.release_counts, entry)
        else:
            self.enqueue(entry)

    def enqueue(self, entry: list) -> None:
        if self.closed:
            return
        if len(self.outbox) >= MAX_OUTBOX:
            self.outbox.clear()
            self.start_close(CLOSE_POLICY)
            return
        self.outbox.append(entry)
        if self.writer is None:
            self.flush()

    def flush(self) -> None:
        """Write the queued frames in order, at once where the server takes a frame at
        once (the `--role ws` workers do, instaclone.ws_asgi): no task and no loop turn per
        socket in a fan-out. A send that has to wait finishes in a task, and the frames
        behind it wait for it there."""
        loop = asyncio.get_running_loop()
        while self.outbox and not self.closed:
            entry = self.outbox.popleft()
            self.sending(entry, loop)
            send = self.send(text_data=entry[1])
            try:
                awaited = send.send(None)
            except StopIteration:
                self.sent(entry, loop)
                continue
            except Exception:
                logger.debug("Live updates: a socket went away while sending", exc_info=True)
                return
            self.writer = loop.create_task(self.finish_send(send, awaited, entry))
            return

    async def finish_send(self, send: Coroutine, awaited: Any, entry: list) -> None:
        try:
            await resumed(send, awaited)
        except Exception:
            logger.debug("Live updates: a socket went away while sending", exc_info=True)
            return
        finally:
            self.writer = None
        self.sent(entry, asyncio.get_running_loop())
        self.flush()

    def sending(self, entry: list, loop: asyncio.AbstractEventLoop) -> None:
        counts_of = entry[0]
        if counts_of is not None:
            if self.unsent_counts.get(counts_of) is entry:
                del self.unsent_counts[counts_of]
            # Stamped before the write too: counts pushed while it is in flight wait their
            # interval instead of following it at once.
            self.counts_sent_at[counts_of] = loop.time()

    def sent(self, entry: list, loop: asyncio.AbstractEventLoop) -> None:
        if entry[0] is not None:
            # And again once the frame has left (the `--role ws` workers write it during
            # the send): the next counts of this post wait their interval from here, so the
            # spacing holds on the wire.
            self.counts_sent_at[entry[0]] = loop.time()

    def start_close(self, code: int) -> None:
        self.closed = True
        asyncio.get_running_loop().create_task(self.close(code=code))

    def start_check(self, close: bool = False) -> None:
        if close:
            self.start_close(CLOSE_BAD_TOKEN)
            return
        if self.checking is None:
            self.checking = asyncio.get_running_loop().create_task(self.recheck())

    async def recheck(self) -> None:
        """Re-validate the socket's authentication and every subscription (one query each),
        then forward the events held meanwhile for posts still visible."""
        try:
            if not await self.still_authenticated():
                self.start_close(CLOSE_BAD_TOKEN)
                return
            ids = list(self.posts)
            visible = {row[0] for row in await visible_rows(self.user, ids)} if ids else set()
            if self.is_authenticated():
                self.blocked = await blocked_either_way_ids(self.user)
            for post_id in ids:
                if post_id not in visible and post_id in self.posts:
                    self.posts.discard(post_id)
                    await self.hub.leave(events.post_group(post_id), self)
            self.checked_at = time.monotonic()
            self.recheck_after = self._recheck_interval()
        except Exception:
            logger.exception("Live updates: re-check failed; closing the socket")
            self.start_close(CLOSE_POLICY)
            return
        finally:
            self.checking = None
        held, self.held = self.held, []
        for event, text in held:
            post_id = event.get("post")
            watched = post_id is None or post_id in self.posts
            blocked = (
                event.get("type") == "comment.created" and event.get("_author") in self.blocked
            )
            if watched and not blocked:
                self.push(text, post_id if event.get("type") == "post.counts" else None)

    async def still_authenticated(self) -> bool:
        if not self.is_authenticated():
            return True
        if self.token is not None:
            # Not the token's expiry (an open socket outlives a 15-minute access token):
            # what revokes it, a password change or a deactivation.
            return await password_unchanged(self.user)
        if self.session_key is not None:
            return await session_still_valid(self.user, self.session_key)
        return True

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content))
