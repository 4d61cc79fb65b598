"""Live updates under load: `python -m bench live [--sizes 100,1000] [--configs ...]`.

Starts real server processes (`python -m instaclone.serve --role all`, one worker each) on
loopback with a throwaway migrated SQLite database, opens N websockets (`websockets`
package) subscribed to one post, spread evenly over the processes, then likes the post
through the HTTP API, always on the first process:

- `4/s`: 8 likes, 250 ms apart; latency = delivery of that count on a socket minus the
  moment the like's HTTP response arrived, over every like and socket;
- `storm`: 100 likes at once (20 concurrent connections); latency = delivery of the final
  count minus the last HTTP response; `msgs/sock` = post.counts each socket got; `min gap`
  = the smallest interval between two post.counts on one of 3 probe sockets held by a separate
  idle process (coalescing: >= 100 ms; the main client's own backlog would bunch them);
  `exact` = every socket ended on the exact final count.

`mem/sock` = the servers' RSS growth (processes and their children) when N idle sockets
opened, divided by N. `errors` = sockets that failed to open or closed early. Configs:
`memory` (in-memory layer, 1 process), `redis` (RedisPubSubChannelLayer, 2 processes),
`redis-core` (RedisChannelLayer, 2 processes; for comparison). The clients share the
machine's 2 cores with the servers: client-side parsing is part of every number. Prints a
table; asserts nothing. About 2 minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
LIKERS = 108
STORM = 100
STEADY = 8
CONFIGS = {
    "memory": (1, {}),
    "redis": (2, {"LIVE_CHANNEL_LAYER": "pubsub"}),
    "redis-core": (2, {"LIVE_CHANNEL_LAYER": "core"}),
}
# A few sockets in a separate, idle process: the gaps between their post.counts are the
# server's, not the bench client's (which parses 1,000 sockets' messages on a busy core).
PROBE = """
import asyncio, json, sys, time
import websockets
async def main():
    url, post = sys.argv[1], int(sys.argv[2])
    arrivals = [[] for _ in range(3)]
    async def watch(n):
        async with websockets.connect(url) as ws:
            await ws.send(json.dumps({"type": "subscribe", "posts": [post]}))
            await ws.recv(); await ws.recv()
            print("ready", flush=True)
            async for raw in ws:
                arrivals[n].append(time.monotonic())
    tasks = [asyncio.create_task(watch(n)) for n in range(3)]
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
    gaps = [(b - a) * 1000 for times in arrivals for a, b in zip(times, times[1:])]
    print(json.dumps(min(gaps) if gaps else None), flush=True)
    for task in tasks:
        task.cancel()
asyncio.run(main())
"""
SETUP = """
import json
from accounts.models import User
from posts.services import post_create
from rest_framework_simplejwt.tokens import AccessToken
from tests.factories import small_image_file
author = User.objects.create_user(username="author", email="author@example.com")
posts = [post_create(author=author, images=[small_image_file()]).pk for _ in range({posts})]
tokens = []
for n in range({likers}):
    user = User.objects.create_user(username=f"liker{{n}}", email=f"liker{{n}}@example.com")
    tokens.append(str(AccessToken.for_user(user)))
print(json.dumps({{"posts": posts, "tokens": tokens}}))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def rss_kb(pid: int) -> int:
    """RSS of a process and all its descendants (granian's workers are children)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


@dataclass
class Servers:
    urls: list[str]
    processes: list[subprocess.Popen]

    def rss_kb(self) -> int:
        return sum(rss_kb(process.pid) for process in self.processes)

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()


def environment(workdir: Path, extra: dict[str, str], redis: bool) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL"}}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="instaclone.settings",
        SQLITE_PATH=str(workdir / "db.sqlite3"),
        MEDIA_ROOT=str(workdir / "media"),
        RATE_LIMITS="off",
        DEBUG="1",
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    if redis:
        env["REDIS_URL"] = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/9"
        env["REDIS_KEY_PREFIX"] = f"bench-live-{uuid.uuid4().hex[:8]}"
    return env


def start(count: int, env: dict[str, str], workdir: Path) -> Servers:
    servers = Servers([], [])
    for number in range(count):
        port = free_port()
        log = (workdir / f"server{number}.log").open("wb")
        command = [PYTHON, "-m", "instaclone.serve", "--role", "all", "--port", str(port)]
        command += ["--workers", "1", "--threads", "8"]
        servers.processes.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        )
        servers.urls.append(f"http://127.0.0.1:{port}")
    for url, process in zip(servers.urls, servers.processes, strict=True):
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                servers.stop()
                raise SystemExit(f"server did not start; see {workdir}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                time.sleep(0.1)
    return servers


@dataclass
class Client:
    ws: websockets.ClientConnection
    arrivals: list[tuple[float, int]] = field(default_factory=list)
    closed_early: bool = False


async def open_clients(urls: list[str], post_id: int, count: int) -> tuple[list[Client], int]:
    clients: list[Client] = []
    errors = 0

    async def open_one(number: int) -> None:
        nonlocal errors
        url = urls[number % len(urls)].replace("http", "ws", 1) + "/ws/"
        try:
            ws = await websockets.connect(url, max_queue=None, open_timeout=20)
            await ws.send(json.dumps({"type": "subscribe", "posts": [post_id]}))
            answer = json.loads(await asyncio.wait_for(ws.recv(), 20))
            if answer != {"type": "subscribed", "posts": [post_id]}:
                raise RuntimeError(answer)
            await asyncio.wait_for(ws.recv(), 20)  # the current counts
            clients.append(Client(ws))
        except Exception:
            errors += 1

    for start_at in range(0, count, 50):
        await asyncio.gather(*(open_one(n) for n in range(start_at, min(start_at + 50, count))))
    return clients, errors


async def listen(client: Client) -> None:
    try:
        async for raw in client.ws:
            event = json.loads(raw)
            if event.get("type") == "post.counts":
                client.arrivals.append((time.perf_counter(), event["likes_count"]))
    except websockets.ConnectionClosed:
        pass
    client.closed_early = True


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def first_at_least(arrivals: list[tuple[float, int]], count: int, after: int) -> float | None:
    for at, likes in arrivals[after:]:
        if likes >= count:
            return at
    return None


async def like(http: httpx.AsyncClient, url: str, post_id: int, token: str) -> float:
    response = await http.post(
        f"{url}/api/v1/posts/{post_id}/like/", headers={"Authorization": f"Bearer {token}"}
    )
    response.raise_for_status()
    return time.perf_counter()


async def scenario(
    servers: Servers, post_id: int, tokens: list[str], size: int, label: str
) -> list[dict]:
    before = servers.rss_kb()
    clients, errors = await open_clients(servers.urls, post_id, size)
    await asyncio.sleep(1)
    per_socket_kb = (servers.rss_kb() - before) / max(len(clients), 1)
    listeners = [asyncio.create_task(listen(client)) for client in clients]
    rows = []
    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    async with httpx.AsyncClient(limits=limits, timeout=60) as http:
        # 4 likes per second.
        latencies = []
        for n in range(STEADY):
            marks = [len(client.arrivals) for client in clients]
            responded = await like(http, servers.urls[0], post_id, tokens[n])
            await asyncio.sleep(0.25)
            for client, mark in zip(clients, marks, strict=True):
                at = first_at_least(client.arrivals, n + 1, mark)
                if at is not None:
                    latencies.append(max(0.0, at - responded) * 1000)
        missing = STEADY * len(clients) - len(latencies)
        rows.append(row(label, size, "4/s", latencies, errors + missing, per_socket_kb, clients))
        await asyncio.sleep(0.5)
        # A storm of 100 at once.
        probe = await asyncio.create_subprocess_exec(
            PYTHON,
            "-c",
            PROBE,
            servers.urls[-1].replace("http", "ws", 1) + "/ws/",
            str(post_id),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for _ in range(3):
            await probe.stdout.readline()
        marks = [len(client.arrivals) for client in clients]
        final = STEADY + STORM
        responses = await asyncio.gather(
            *(like(http, servers.urls[0], post_id, token) for token in tokens[STEADY:final])
        )
        last = max(responses)
        deadline = time.perf_counter() + 10
        while time.perf_counter() < deadline and not all(
            client.arrivals and client.arrivals[-1][1] == final for client in clients
        ):
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)  # anything late would show in msgs/sock and exact
        probe_out, _ = await probe.communicate(b"stop\n")
        probe_gap = json.loads(probe_out.decode().strip().splitlines()[-1])
        latencies, counts, exact = [], [], True
        for client, mark in zip(clients, marks, strict=True):
            got = client.arrivals[mark:]
            counts.append(len(got))
            at = first_at_least(client.arrivals, final, mark)
            if at is not None:
                latencies.append(max(0.0, at - last) * 1000)
            exact = exact and bool(got) and got[-1][1] == final
        storm = row(label, size, "storm", latencies, errors, per_socket_kb, clients)
        storm["msgs"] = f"{statistics.mean(counts):.1f}" if counts else "-"
        storm["gap"] = f"{probe_gap:.0f}" if probe_gap is not None else "-"
        storm["exact"] = "yes" if exact else "NO"
        rows.append(storm)
    for client in clients:
        await client.ws.close()
    for task in listeners:
        task.cancel()
    await asyncio.gather(*listeners, return_exceptions=True)
    return rows


def row(label, size, load, latencies, errors, per_socket_kb, clients) -> dict:
    closed = sum(client.closed_early for client in clients)
    return {
        "config": label,
        "sockets": size,
        "load": load,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "max": max(latencies) if latencies else float("nan"),
        "msgs": "1.0" if load == "4/s" else "-",
        "gap": "-",
        "exact": "-",
        "mem": per_socket_kb,
        "errors": errors + closed,
    }


def print_table(rows: list[dict]) -> None:
    header = (
        f"{'config':<11} {'sockets':>7} {'load':<6} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
        f"{'msgs/sock':>9} {'min gap':>7} {'exact':>5} {'mem/sock KB':>11} {'errors':>6}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['config']:<11} {r['sockets']:>7} {r['load']:<6} {r['p50']:>7.1f} "
            f"{r['p99']:>7.1f} {r['max']:>7.1f} {r['msgs']:>9} {r['gap']:>7} {r['exact']:>5} "
            f"{r['mem']:>11.1f} {r['errors']:>6}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench live", description=__doc__)
    parser.add_argument("--sizes", default="100,1000")
    parser.add_argument("--configs", default="memory,redis,redis-core")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    configs = args.configs.split(",")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        workdir = Path(tmp)
        env = environment(workdir, {}, redis=False)
        run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "text": True}
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput"], **run)
        script = SETUP.format(posts=len(sizes) * len(configs), likers=LIKERS)
        made = subprocess.run([PYTHON, "manage.py", "shell", "-c", script], **run)
        data = json.loads(made.stdout.strip().splitlines()[-1])
        posts = iter(data["posts"])
        for label in configs:
            processes, extra = CONFIGS[label]
            servers = start(processes, environment(workdir, extra, redis=processes > 1), workdir)
            try:
                for size in sizes:
                    rows += asyncio.run(scenario(servers, next(posts), data["tokens"], size, label))
            finally:
                servers.stop()
    print_table(rows)
    print(
        "\nTargets: p99 <= 100 ms at 1,000 sockets on one process, <= 150 ms on Redis with 2"
        " processes; min gap >= 100 ms (one post.counts per post per 100 ms per socket);"
        " exact final count; <= 64 KB per idle socket; 0 errors."
    )
