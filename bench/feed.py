"""Is the feed fast at scale? `python -m bench feed [--scale small|full] [--skip-seed]`.

Needs PostgreSQL: DATABASE_URL must name a throwaway database (seed_bench empties it).
Builds the synthetic network (`manage.py seed_bench`), then:

1. in process: the feed page's query count; feed p50 for viewers following 10, 100, 1,000
   and 5,000 accounts (the stored timeline, and querying followees' posts live for
   comparison); a page 100,000 posts deep (or as deep as the data goes) against page 1;
   publishing a post by an account with 5,000 followers against one with none (the
   request's share: fan-out runs after commit in a Celery worker when REDIS_URL is set,
   inline otherwise); the fan-out rate; PostgreSQL's EXPLAIN of the feed's id query;
2. over HTTP: the production server (`instaclone.serve --role http`, granian WSGI, two
   workers, the default request threads) on loopback, loaded by wrk with 64 connections:
   requests/s, p50 and p99 of the API feed, the HTML feed, a post page, explore and the
   bare `/ping` (the ceiling: the faster of this server and one with 8 threads), each as a
   ratio of the ceiling, and 5xx / socket errors. Each target runs `--rounds` times (2),
   interleaved; its best run is shown, with the errors of all.

The machine is shared and noisy: compare ratios of the same run, not absolute numbers.
`--scale small` (the default) finishes in a few minutes; `--scale full` seeds the issue's
10,000 users / 200,000 posts / 500,000 follows / 2,000,000 likes. Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.servers import (
    MORE_THREADS,
    ROOT,
    WORKERS,
    WRK_UNITS_MS,
    ensure_wrk,
    free_port,
    get_status,
)
from instaclone.serve import DEFAULT_THREADS, server_command

SCALES = {
    "small": ["--users", "3000", "--posts", "40000", "--follows", "100000", "--likes",
              "200000", "--comments", "40000"],
    "full": [],
}  # fmt: skip
VIEWERS = (10, 100, 1000, 5000)
CONNECTIONS = 64
SECONDS = 5
ROUNDS = 60
FANOUT_RUNS = 7


def _timed(action, rounds: int = ROUNDS) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _p(values: list[float], percentile: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * percentile / 100))]


def in_process() -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaclone.settings")
    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from feed import selectors, services
    from feed.cursors import Position
    from feed.models import TimelineEntry
    from posts.models import Post
    from tests.factories import small_image_file

    results: dict = {}
    viewers = {n: User.objects.get(username=f"bench_f{n}") for n in VIEWERS}
    selectors.feed_page_for(viewer=viewers[1000])
    with CaptureQueriesContext(connection) as captured:
        selectors.feed_page_for(viewer=viewers[1000])
    results["queries"] = len(captured.captured_queries)
    union = next(q["sql"] for q in captured.captured_queries if "feed_timelineentry" in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {union}")
        results["explain"] = "\n".join(row[0] for row in cursor.fetchall())

    print("Feed p50 / p95 by accounts followed (ms, in process):", flush=True)
    rows = []
    for follows, viewer in viewers.items():
        stored = _timed(lambda viewer=viewer: selectors.feed_page_for(viewer=viewer))
        ids = TimelineEntry.objects.filter(owner=viewer).order_by("-created_at", "-post_id")
        stored_ids = _timed(lambda ids=ids: list(ids.values_list("post_id", flat=True)[:21]))
        live = _timed(lambda viewer=viewer: selectors.feed_queries_live(viewer=viewer), 20)
        entries = TimelineEntry.objects.filter(owner=viewer).count()
        rows.append(
            (follows, _p(stored, 50), _p(stored, 95), _p(stored_ids, 50), _p(live, 50), entries)
        )
    results["by_follows"] = rows

    deep_viewer = viewers[5000]
    depth = min(100_000, TimelineEntry.objects.filter(owner=deep_viewer).count() - 21)
    entry = (
        TimelineEntry.objects.filter(owner=deep_viewer)
        .order_by("-created_at", "-post_id")
        .values_list("post_id", "created_at")[depth : depth + 1]
        .get()
    )
    cursor = Position(entry[1], entry[0]).encode()
    first = _timed(lambda: selectors.feed_page_for(viewer=deep_viewer))
    deep = _timed(lambda: selectors.feed_page_for(viewer=deep_viewer, cursor=cursor))
    results["deep"] = (depth, statistics.median(first), statistics.median(deep))

    from posts import services as post_services

    publish: dict[str, float] = {}
    for name in ("bench_author0", "bench_author5k"):
        author = User.objects.get(username=name)
        times = _timed(
            lambda author=author: post_services.post_create(
                author=author, images=[small_image_file()], caption="bench"
            ),
            10,
        )
        publish[name] = statistics.median(times)
    results["publish"] = publish
    results["eager"] = settings.CELERY_TASK_ALWAYS_EAGER
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        from instaclone.celery import app

        app.control.purge()  # no worker here: drop the fan-outs queued above

    # The fan-out of the author's latest posts (published above), timed one by one: the
    # median rate, since a checkpoint landing on one of them can stall it tenfold.
    author = User.objects.get(username="bench_author5k")
    rates = []
    for post in Post.objects.filter(author=author).order_by("-pk")[:FANOUT_RUNS]:
        TimelineEntry.objects.filter(post=post).delete()
        started = time.perf_counter()
        written = services.timeline_fan_out(post_id=post.pk)
        rates.append(written / (time.perf_counter() - started))
    results["fanout"] = (written, statistics.median(rates), min(rates), max(rates))
    post_id = Post.objects.filter(author__username__startswith="u").order_by("-pk").first().pk
    return results | {"post_id": post_id}


def _credentials() -> tuple[str, str]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User
    from instaclone.sessions import SessionStore

    viewer = User.objects.get(username="bench_f100")
    session = SessionStore()
    session[SESSION_KEY] = str(viewer.pk)
    session[BACKEND_SESSION_KEY] = "accounts.backends.UsernameOrEmailBackend"
    session[HASH_SESSION_KEY] = viewer.get_session_auth_hash()
    session.save()
    return str(RefreshToken.for_user(viewer).access_token), session.session_key


def _tokens() -> dict[int, str]:
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.models import User

    return {
        n: str(RefreshToken.for_user(User.objects.get(username=f"bench_f{n}")).access_token)
        for n in VIEWERS
    }


def wrk(url: str, headers: list[str]) -> tuple[float, float, float, int]:
    argv = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "5s", "--latency"]
    for header in headers:
        argv += ["-H", header]
    output = subprocess.run([*argv, url], capture_output=True, text=True, check=True).stdout

    def latency(percentile: str) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * WRK_UNITS_MS[match.group(2)] if match else float("nan")

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    sockets = re.search(r"connect (\d+), read \d+, write (\d+), timeout (\d+)", output)
    errors += sum(int(n) for n in sockets.groups()) if sockets else 0
    return float(rate.group(1)) if rate else 0.0, latency("50"), latency("99"), errors


@contextmanager
def _server(threads: int) -> Iterator[str]:
    """The production HTTP server (two workers, `threads` request threads each) on a free
    loopback port: its base URL while the block runs."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "WEB_CONCURRENCY"}},
        "DEBUG": "0",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "ALLOWED_HOSTS": "127.0.0.1",
        "RATE_LIMITS": "off",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore",
    }
    log = Path(tempfile.mkdtemp()) / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            server_command("http", "127.0.0.1", port, WORKERS, threads),
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while get_status(port, "/ping") != 200:
            if time.monotonic() > deadline or server.poll() is not None:
                raise SystemExit(f"server did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=20)


def _best(rows: list[tuple]) -> tuple:
    """The fastest of a target's runs (label, req/s, p50, p99, errors), with the errors
    of all of them."""
    label, rate, p50, p99, _ = max(rows, key=lambda row: row[1])
    return (label, rate, p50, p99, sum(row[4] for row in rows))


def over_http(post_id: int, rounds: int) -> list[tuple]:
    """Rows (label, req/s, p50, p99, errors); the first is the ceiling: `/ping` on the same
    server, or with MORE_THREADS request threads where that is faster (it is: more requests
    in flight suit a view that never waits), so fewer threads cannot flatter a ratio. Every
    target, the ceiling too, runs `rounds` times, interleaved, and keeps its best run: the
    machine's speed drifts within a run."""
    token, session = _credentials()
    tokens = _tokens()
    bearer = [f"Authorization: Bearer {token}"]
    # As a browser sends them after its first page: the session and the CSRF cookie.
    cookie = [f"Cookie: sessionid={session}; csrftoken={secrets.token_hex(16)}"]
    targets = [
        (f"/ping, {DEFAULT_THREADS} threads", "/ping", []),
        ("API feed page", "/api/v1/feed/", bearer),
        ("HTML feed page", "/", cookie),
        ("post page", f"/p/{post_id}/", cookie),
        ("API explore", "/api/v1/explore/", bearer),
    ]
    targets += [
        (f"API feed, {n:,} followed", "/api/v1/feed/", [f"Authorization: Bearer {t}"])
        for n, t in tokens.items()
    ]
    with _server(MORE_THREADS) as base:
        wrk(base + "/ping", [])  # warm up
        more = _best(
            [(f"/ping, {MORE_THREADS} threads", *wrk(base + "/ping", [])) for _ in range(rounds)]
        )
    runs: dict[str, list[tuple]] = {label: [] for label, _, _ in targets}
    with _server(DEFAULT_THREADS) as base:
        for _label, path, headers in targets:
            wrk(base + path, headers)  # warm up (and fill the caches)
        for _ in range(rounds):
            for label, path, headers in targets:
                runs[label].append((label, *wrk(base + path, headers)))
    ping, *rows = (_best(runs[label]) for label, _, _ in targets)
    ceiling, other = (more, ping) if more[1] >= ping[1] else (ping, more)
    return [(f"{ceiling[0]} (ceiling)", *ceiling[1:]), other, *rows]


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench feed", description=__doc__)
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--skip-seed", action="store_true", help="reuse the seeded database")
    parser.add_argument(
        "--rounds", type=int, default=2, help="runs of each HTTP target, best kept (default 2)"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print(
            "The feed benchmark needs PostgreSQL. Create a throwaway database and run:\n"
            "  createdb instaclone_bench\n"
            "  DATABASE_URL=postgres://postgres@127.0.0.1:5432/instaclone_bench \\\n"
            "    python -m bench feed [--scale small|full]"
        )
        return 2
    if not ensure_wrk():
        print("wrk is needed: apt-get install -y wrk")
        return 2
    # One key for this process (tokens, sessions) and the server that checks them.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input", "-v0"], check=True, cwd=ROOT)
    # DEBUG=0 pages need the static manifest, as `make serve` builds it.
    subprocess.run(
        [*manage, "collectstatic", "--no-input", "-v0"],
        check=True, cwd=ROOT, env={**os.environ, "DEBUG": "0"},
    )  # fmt: skip
    if not args.skip_seed:
        print(f"Seeding ({args.scale})...", flush=True)
        started = time.monotonic()
        subprocess.run(
            [*manage, "seed_bench", "--reset", *SCALES[args.scale]], check=True, cwd=ROOT
        )
        print(f"seed_bench took {time.monotonic() - started:.0f} s\n", flush=True)
    results = in_process()
    print("  (whole page: ids, posts, media, comments; then the id query alone, from the")
    print("  stored timeline and computed live from the follow graph)")
    for follows, p50, p95, stored_ids, live, entries in results["by_follows"]:
        print(
            f"  {follows:>5,} followed  page p50 {p50:6.2f}  p95 {p95:6.2f}   ids: stored"
            f" {stored_ids:6.2f}  live {live:7.2f}   ({entries:,} entries)"
        )
    base95 = results["by_follows"][0][2]
    print(
        f"  p95 at 5,000 / p95 at 10: {results['by_follows'][-1][2] / base95:.2f}x (target <= 1.25)"
    )
    depth, first, deep = results["deep"]
    print(f"Page {depth:,} posts deep: {deep:.2f} ms vs page 1 {first:.2f} ms: {deep / first:.2f}x")
    print(f"Feed page queries: {results['queries']} (target <= 5)")
    publish = results["publish"]
    mode = "inline after commit" if results["eager"] else "queued to Celery"
    print(
        f"Publish (service, fan-out {mode}): 0 followers {publish['bench_author0']:.1f} ms, "
        f"5,000 followers {publish['bench_author5k']:.1f} ms: "
        f"{publish['bench_author5k'] / publish['bench_author0']:.2f}x"
    )
    written, rate, slowest, fastest = results["fanout"]
    print(
        f"Fan-out: {written:,} entries at {rate:,.0f} entries/s, median of {FANOUT_RUNS}"
        f" ({slowest:,.0f}-{fastest:,.0f}) (target >= 50,000)"
    )
    print("\nEXPLAIN ANALYZE of the feed's id query (bench_f1000, page 1):")
    print(results["explain"])
    print(
        f"\nOver HTTP: wrk, {CONNECTIONS} connections, {SECONDS} s each, best of"
        f" {max(args.rounds, 1)} interleaved rounds, granian WSGI x{WORKERS},"
        f" {DEFAULT_THREADS} request threads each"
    )
    rows = over_http(results["post_id"], max(args.rounds, 1))
    ceiling = rows[0][1] or 1.0
    print(f"  {'target':<26} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'ratio':>6} {'errors':>6}")
    for label, rate_, p50, p99, errors in rows:
        print(f"  {label:<26} {rate_:8.0f} {p50:8.2f} {p99:8.2f} {rate_ / ceiling:6.1%} {errors:6}")
    return 0
