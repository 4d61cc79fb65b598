"""Real server processes on one Redis: a like served by one reaches sockets held by another,
and a feed card one of them cached serves the other, in both deployments of
`python -m instaclone.serve`: two one-port `--role all` servers, and the split behind a
proxy (`--role http` for the like, `--role ws --workers 2` for sockets).
Needs Redis at REDIS_URL, else redis://127.0.0.1:6379/0 (CI always runs one); it fails,
never skips, when there is none.

The servers get their own SQLite database (a temporary file, migrated here) so the test
runs the same on every database pass: the test database of pytest-django may be in memory.
"""

import asyncio
import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import websockets
from django.conf import settings

from tests.helpers import form_csrf_token

DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
SOCKETS = 6
SETUP = """
from accounts.models import User
from posts.services import post_create
from rest_framework_simplejwt.tokens import AccessToken
from tests.factories import small_image_file
alice = User.objects.create_user(username="alice", email="a@example.com", password="x-Long-pass-1")
bob = User.objects.create_user(username="bob", email="b@example.com", password="x-Long-pass-1")
post = post_create(author=alice, images=[small_image_file()], caption="live")
print(post.pk, AccessToken.for_user(bob))
"""


def redis_url() -> str:
    url = os.environ.get("REDIS_URL") or DEFAULT_REDIS
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"the multi-process live test needs Redis at {url}: {error}")
    return url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not answer /healthz:\n{log.read_text(errors='replace')}")


LAYOUTS = {
    "one-port": [("all", 1), ("all", 1)],
    "split": [("http", 1), ("ws", 2)],
}


@pytest.fixture(params=list(LAYOUTS))
def two_servers(request, tmp_path: Path) -> Iterator[tuple[list[str], int, str]]:
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "PYTEST_XDIST_WORKER", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="instaclone.settings",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
        MEDIA_ROOT=str(tmp_path / "media"),
        REDIS_URL=redis_url(),
        REDIS_KEY_PREFIX=f"live-test-{uuid.uuid4().hex[:8]}",
        RATE_LIMITS="off",
        DEBUG="1",
        PYTHONUNBUFFERED="1",
    )
    run = {"cwd": settings.BASE_DIR, "env": env, "check": True, "capture_output": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput"], **run)
    # Without Redis the setup's background work (renditions, timelines) runs inline.
    inline = {**run, "env": {name: value for name, value in env.items() if name != "REDIS_URL"}}
    made = subprocess.run([sys.executable, "manage.py", "shell", "-c", SETUP], text=True, **inline)
    post_id, token = made.stdout.split()[-2:]
    servers, urls = [], []
    try:
        for number, (role, workers) in enumerate(LAYOUTS[request.param]):
            port = free_port()
            log = tmp_path / f"server{number}.log"
            with log.open("wb") as out:
                server = subprocess.Popen(
                    [
                        *(sys.executable, "-m", "instaclone.serve", "--role", role),
                        *("--port", str(port), "--workers", str(workers), "--threads", "2"),
                    ],
                    cwd=settings.BASE_DIR,
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            servers.append(server)
            urls.append(f"http://127.0.0.1:{port}")
            wait_healthy(urls[-1], server, log)
        yield urls, int(post_id), token
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


def test_a_like_on_one_process_reaches_sockets_on_the_other(two_servers) -> None:
    (first, second), post_id, token = two_servers

    async def watch(ws_url: str, subscribed: asyncio.Event, ready: list) -> dict:
        async with websockets.connect(ws_url) as ws:
            await ws.send(json.dumps({"type": "subscribe", "posts": [post_id]}))
            assert json.loads(await ws.recv()) == {"type": "subscribed", "posts": [post_id]}
            assert json.loads(await ws.recv())["likes_count"] == 0
            ready.append(ws)
            if len(ready) == SOCKETS:
                subscribed.set()
            return json.loads(await asyncio.wait_for(ws.recv(), timeout=10))

    async def scenario() -> list[dict]:
        ws_url = second.replace("http", "ws", 1) + "/ws/"
        subscribed, ready = asyncio.Event(), []
        # Several sockets, so that with two ws workers on one port both hold some.
        watchers = [asyncio.create_task(watch(ws_url, subscribed, ready)) for _ in range(SOCKETS)]
        await asyncio.wait_for(subscribed.wait(), timeout=10)
        # Every hub holding a socket has joined the post's group on Redis by now.
        request = urllib.request.Request(  # noqa: S310
            f"{first}/api/v1/posts/{post_id}/like/",
            method="POST",
            headers={"Authorization": f"Bearer {token}"},
        )
        response = await asyncio.to_thread(urllib.request.urlopen, request, timeout=10)
        assert response.status in (200, 201)
        return await asyncio.gather(*watchers)

    counts = {"type": "post.counts", "post": post_id, "likes_count": 1, "comments_count": 0}
    assert asyncio.run(scenario()) == [counts] * SOCKETS


def test_a_feed_card_cached_by_one_process_serves_the_other(two_servers) -> None:
    """alice's home feed, its card made by one process and read by the other from the
    shared cache: the card's comment form carries a CSRF token that works there."""
    (first, second), post_id, _ = two_servers
    browser = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    login = browser.open(f"{first}/accounts/login/", timeout=10).read().decode()
    credentials = {"username": "alice", "password": "x-Long-pass-1"}
    form = urllib.parse.urlencode({"csrfmiddlewaretoken": form_csrf_token(login), **credentials})
    # Signed in, redirected to the feed: its card is made here and stored in the cache.
    home = browser.open(f"{first}/accounts/login/", data=form.encode(), timeout=10)
    assert f'data-post="{post_id}"' in home.read().decode()

    page = browser.open(f"{second}/", timeout=10).read().decode()
    card = page[page.index(f'data-post="{post_id}"') :]
    assert re.search(r"ago[0-9a-f]{32}", card) is None
    comment = urllib.parse.urlencode({"csrfmiddlewaretoken": form_csrf_token(card), "text": "hi"})
    posted = browser.open(f"{second}/p/{post_id}/comments/", data=comment.encode(), timeout=10)
    assert posted.status == 200
    assert "hi" in browser.open(f"{first}/p/{post_id}/", timeout=10).read().decode()
