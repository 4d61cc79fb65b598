"""Live events: the only module that talks to the channel layer.

Services call `publish(group, event)` inside their transaction; the event leaves after the
commit (never on rollback). A channel-layer failure is logged and swallowed: the write that
triggered it has succeeded. Groups are `post.<id>` and `user.<id>`.

Fan-out. Sockets do not join channel-layer groups one by one: each server process (each
event loop) has one `Hub`, which holds one channel, joins each group once for all its
local sockets and hands every event it receives to them. A group send therefore carries one
message per process (not one per socket: channels_redis' per-socket group sends were what
made p99 grow with the number of sockets), and the JSON is encoded once per event.

Coalescing. The hub forwards `post.counts` of a post at most once per
`LIVE_COUNTS_INTERVAL` (100 ms): the first at once, later ones in the window replaced by the
newest, which is sent when the window ends. Each count event carries the time its counts
were read inside the writing transaction (under the post's row lock, so reads of one post
are ordered); an older reading arriving late is dropped, so a burst ends on the exact
final count.

Sending. `publish` never blocks a request on the network: the send is scheduled on an event
loop and the request goes on. With Redis (any process may hold the sockets) it runs on one
background loop per process, so a WSGI request thread does not start an event loop per
event; with the in-memory layer (one process) it runs on the loop that holds the hub.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, Protocol

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.contrib.auth.signals import user_logged_out
from django.db import transaction
from django.db.models.signals import post_save

logger = logging.getLogger(__name__)

EVENT_TYPE = "live.event"
Event = dict[str, Any]
EventSource = Event | Callable[[], Event | None]


def counts_interval() -> float:
    return getattr(settings, "LIVE_COUNTS_INTERVAL", 0.1)


def post_group(post_id: int) -> str:
    return f"post.{post_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


# --- Publishing ---------------------------------------------------------------------------


def publish(group: str, event: EventSource) -> None:
    """Send `event` to the sockets in `group` once the current transaction commits.

    `event` is a dict, or a function building it after the commit (None: nothing to send),
    for payloads that must show committed state. Keys starting with "_" are for the
    servers only (e.g. `_stamp`) and never reach clients."""
    transaction.on_commit(lambda: send_now(group, event))


def publish_post_counts(post_id: int, likes_count: int, comments_count: int) -> None:
    """`post.counts` for counts just read under the post's row lock (see Coalescing)."""
    publish(
        post_group(post_id),
        {
            "type": "post.counts",
            "post": post_id,
            "likes_count": likes_count,
            "comments_count": comments_count,
            "_stamp": time.time_ns(),
        },
    )


def send_now(group: str, event: EventSource) -> None:
    """Hand `event` to the channel layer now; failures are logged, never raised."""
    try:
        built = event() if callable(event) else event
        if built is None:
            return
        layer = get_channel_layer()
        if layer is None:
            return
        message = {"type": EVENT_TYPE, "group": group, "event": built}
        if isinstance(layer, InMemoryChannelLayer):
            loop = _in_memory_loop()
            if loop is None:
                return  # No socket is open in this process: nobody to tell.
        else:
            loop = _background_loop()
        future = asyncio.run_coroutine_threadsafe(_group_send(layer, group, message), loop)
    except Exception:
        logger.exception("Live event to %s not sent", group)
        return
    with _pending_lock:
        _pending.add(future)
    future.add_done_callback(_sent)


async def _group_send(layer: Any, group: str, message: Event) -> None:
    await layer.group_send(group, message)


def _sent(future: concurrent.futures.Future) -> None:
    with _pending_lock:
        _pending.discard(future)
    if not future.cancelled() and future.exception() is not None:
        logger.error("Live event not sent: channel layer failed", exc_info=future.exception())


_pending: set[concurrent.futures.Future] = set()
_pending_lock = threading.Lock()


def wait_sent(timeout: float = 5.0) -> None:
    """Wait until the events published so far have reached the channel layer (or failed).
    For tests and benchmarks; services never wait."""
    with _pending_lock:
        pending = list(_pending)
    concurrent.futures.wait(pending, timeout=timeout)


_loop_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def _background_loop() -> asyncio.AbstractEventLoop:
    """This process's sending loop for a shared (Redis) layer, started on first use."""
    global _loop
    with _loop_lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=loop.run_forever, name="live-events", daemon=True)
            thread.start()
            _loop = loop
        return _loop


# --- Hubs ---------------------------------------------------------------------------------


class Subscriber(Protocol):
    def deliver(self, event: Event, text: str) -> None: ...


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub] = weakref.WeakKeyDictionary()
_hubs_lock = threading.Lock()


def _in_memory_loop() -> asyncio.AbstractEventLoop | None:
    """The loop of the newest hub still running: the in-memory layer lives on one loop."""
    with _hubs_lock:
        loops = [loop for loop in _hubs if not loop.is_closed()]
    return loops[-1] if loops else None


def hub() -> Hub:
    """The running loop's hub (created on first use)."""
    loop = asyncio.get_running_loop()
    with _hubs_lock:
        found = _hubs.get(loop)
        if found is None:
            found = _hubs[loop] = Hub()
        return found


class _CountsWindow:
    __slots__ = ("last_sent", "latest_stamp", "pending", "timer")

    def __init__(self) -> None:
        self.last_sent = -1e9
        self.latest_stamp = 0
        self.pending: Event | None = None
        self.timer: asyncio.TimerHandle | None = None


class Hub:
    """One per event loop: joins each group once and fans events out to local sockets."""

    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.members: dict[str, set[Subscriber]] = {}
        self.channel: str | None = None
        self.reader: asyncio.Task | None = None
        self.windows: dict[str, _CountsWindow] = {}
        self.lock = asyncio.Lock()
        # Read once: settings lookups are not free when every socket of a fan-out asks.
        self.counts_interval = counts_interval()

    async def _ensure_channel(self) -> str:
        if self.channel is None:
            self.channel = await self.layer.new_channel("live.")
            self.reader = asyncio.get_running_loop().create_task(self._read(self.channel))
        return self.channel

    async def join(self, group: str, subscriber: Subscriber) -> None:
        members = self.members.setdefault(group, set())
        first = not members
        members.add(subscriber)
        if first and self.layer is not None:
            try:
                async with self.lock:
                    await self.layer.group_add(group, await self._ensure_channel())
            except Exception:
                logger.exception("Live updates: could not join %s", group)

    async def leave(self, group: str, subscriber: Subscriber) -> None:
        members = self.members.get(group)
        if not members or subscriber not in members:
            return
        members.discard(subscriber)
        if members:
            return
        del self.members[group]
        window = self.windows.pop(group, None)
        if window is not None and window.timer is not None:
            window.timer.cancel()
        if self.layer is not None and self.channel is not None:
            try:
                await self.layer.group_discard(group, self.channel)
            except Exception:
                logger.exception("Live updates: could not leave %s", group)

    async def _read(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("Live updates: channel layer receive failed")
                await asyncio.sleep(1)
                continue
            if message.get("type") == EVENT_TYPE:
                try:
                    self.dispatch(message["group"], message["event"])
                except Exception:
                    logger.exception("Live updates: event not delivered")

    def dispatch(self, group: str, event: Event) -> None:
        if event.get("type") == "post.counts":
            self._coalesce(group, event)
        else:
            self._fan_out(group, event)

    def _coalesce(self, group: str, event: Event) -> None:
        window = self.windows.setdefault(group, _CountsWindow())
        stamp = event.get("_stamp", 0)
        if stamp < window.latest_stamp:
            return  # An older reading that arrived late.
        window.latest_stamp = stamp
        if window.timer is not None:
            window.pending = event
            return
        loop = asyncio.get_running_loop()
        wait = window.last_sent + self.counts_interval - loop.time()
        if wait <= 0:
            window.last_sent = loop.time()
            self._fan_out(group, event)
            return
        window.pending = event
        window.timer = loop.call_later(wait, self._flush, group, window)

    def _flush(self, group: str, window: _CountsWindow) -> None:
        window.timer = None
        event, window.pending = window.pending, None
        if event is not None:
            window.last_sent = asyncio.get_running_loop().time()
            self._fan_out(group, event)

    def _fan_out(self, group: str, event: Event) -> None:
        """Hand the event to every local socket of the group in this turn of the loop; each
        socket writes it at once or queues it (LiveConsumer.flush), in the order events
        came."""
        members = self.members.get(group)
        if not members:
            return
        text = json.dumps(client_view(event))
        for subscriber in list(members):
            try:
                subscriber.deliver(event, text)
            except Exception:
                logger.exception("Live updates: a socket failed to take an event")


def client_view(event: Event) -> Event:
    """The event as clients see it: without the servers' own keys."""
    return {key: value for key, value in event.items() if not key.startswith("_")}


# --- Revocations --------------------------------------------------------------------------
# Connected when this module is imported (social.services imports it at startup).


def _on_logged_out(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    """A logged-out session's sockets close (other sessions of the user stay)."""
    if user is None or request is None or not getattr(user, "pk", None):
        return
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    if session_key:
        send_now(user_group(user.pk), {"type": "session.revoked", "_session": session_key})


def _on_user_saved(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    """A password change (set_password then save) or a deactivation closes every socket of
    the user: cookie and JWT ones alike."""
    if created:
        return
    if getattr(instance, "_password", None) is not None or not instance.is_active:
        publish(user_group(instance.pk), {"type": "session.revoked", "_session": None})


user_logged_out.connect(_on_logged_out, dispatch_uid="instaclone.events.logged_out")
post_save.connect(
    _on_user_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="instaclone.events.user_saved"
)
