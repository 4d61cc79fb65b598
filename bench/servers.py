"""Which server should run Instaclone? `python -m bench servers [--duration S] [--rounds N]`.

Starts each candidate as a real server process on a free loopback port (DEBUG=0, rate limits
off, a throwaway migrated SQLite database or DATABASE_URL's PostgreSQL), waits for /ping, then
loads it with wrk (64 keep-alive connections by default; an asyncio httpx client when wrk is
missing, whose own ceiling then bounds the rates) and prints requests per second with p50 and
p99 latency for `GET /ping` (the cheapest Django JSON view, no database) and `GET /healthz`
(one `SELECT 1`; `--database both` runs it on SQLite and PostgreSQL). The machine is shared
and noisy, so each row also shows its ratio to the fastest candidate of the same run; with
`--rounds N` every candidate runs N times, interleaved, and keeps its best run. About 90 s.
Asserts nothing.

The candidates, all with 2 worker processes except daphne (one process, no worker option):
granian WSGI (the default 3 request threads, 8, and granian's own default), granian ASGI
running instaclone.serve's hybrid application (what `python -m instaclone.serve` starts;
with uvloop, which granian picks when installed, and with the plain asyncio loop), granian
and uvicorn (when installed) running Django's own ASGI handler, uvicorn running the hybrid,
daphne, and asgiref's WsgiToAsgi adapter under granian. REDIS_URL is dropped, so /healthz
measures the server and the database, not a channel-layer round trip.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import importlib.util
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from instaclone.serve import DEFAULT_THREADS, server_command

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
WORKERS = 2
THREADS = DEFAULT_THREADS
# The thread count the default was lowered from: faster for /ping (more requests in
# flight), slower for pages that wait on the database.
MORE_THREADS = 8
READY_TIMEOUT_SECONDS = 30
WARMUP_SECONDS = 1
# granian's `--loop auto` picks uvloop when it is installed.
LOOP = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"

# A module written into the temporary directory: asgiref's generic WSGI-to-ASGI adapter, to
# compare with instaclone.serve's own.
ADAPTER_MODULE = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaclone.settings")
from asgiref.wsgi import WsgiToAsgi
from instaclone.wsgi import application as wsgi_application
application = WsgiToAsgi(wsgi_application)
"""


@dataclass(frozen=True)
class Candidate:
    name: str
    websockets: bool
    command: Callable[[int], list[str]]
    requires: str = "granian"


@dataclass(frozen=True)
class Scenario:
    path: str
    database: str  # "sqlite", "postgresql" or "no database"


@dataclass
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def granian(interface: str, target: str, *extra: str) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        return [
            *(PYTHON, "-m", "granian", "--interface", interface, "--workers", str(WORKERS)),
            *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            *extra,
            target,
        ]

    return command


def uvicorn(target: str, *extra: str) -> Callable[[int], list[str]]:
    def command(port: int) -> list[str]:
        return [
            *(PYTHON, "-m", "uvicorn", "--workers", str(WORKERS), "--host", "127.0.0.1"),
            *("--port", str(port), "--log-level", "warning", "--no-access-log", *extra, target),
        ]

    return command


def serve(role: str, *extra: str, threads: int = THREADS) -> Callable[[int], list[str]]:
    """What `python -m instaclone.serve --role ROLE` runs, with 2 workers even without Redis."""

    def command(port: int) -> list[str]:
        *options, target = server_command(role, "127.0.0.1", port, WORKERS, threads)
        return [*options, *extra, target]

    return command


def daphne(port: int) -> list[str]:
    return [
        *(PYTHON, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "-v", "0"),
        "instaclone.asgi:application",
    ]


CANDIDATES = [
    Candidate(f"granian wsgi, {THREADS} threads (serve --role http)", False, serve("http")),
    Candidate(f"granian wsgi, {MORE_THREADS} threads", False, serve("http", threads=MORE_THREADS)),
    Candidate(
        "granian wsgi, default threads (256)", False, granian("wsgi", "instaclone.wsgi:application")
    ),
    Candidate(f"granian asgi + hybrid, {THREADS} thr, {LOOP} (serve)", True, serve("all")),
    *(
        [Candidate("granian asgi + hybrid, asyncio loop", True, serve("all", "--loop", "asyncio"))]
        if LOOP == "uvloop"
        else []
    ),
    Candidate(
        "granian asgi + asgiref WsgiToAsgi", False, granian("asginl", "wsgi_to_asgi:application")
    ),
    Candidate(
        "granian asgi, Django ASGI handler", True, granian("asginl", "instaclone.asgi:application")
    ),
    Candidate(
        f"uvicorn + hybrid, {THREADS} threads",
        True,
        uvicorn("instaclone.serve:application", "--factory"),
        requires="uvicorn",
    ),
    Candidate(
        "uvicorn, Django ASGI handler",
        True,
        uvicorn("instaclone.asgi:application", "--lifespan", "off"),
        requires="uvicorn",
    ),
    Candidate("daphne, Django ASGI (1 process)", True, daphne, requires="daphne"),
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_environment(workdir: Path, database_url: str) -> dict[str, str]:
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "WEB_CONCURRENCY"}
    env = {name: value for name, value in os.environ.items() if name not in dropped}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        RATE_LIMITS="off",
        # Plain HTTP on loopback: no TLS proxy in front to redirect to.
        SECURE_SSL_REDIRECT="0",
        SQLITE_PATH=str(workdir / "bench.sqlite3"),
        LOG_LEVEL="WARNING",
        # STATIC_ROOT is not collected here: whitenoise's warning about it is noise.
        PYTHONWARNINGS="ignore",
        WEB_THREADS=str(THREADS),
        PYTHONPATH=os.pathsep.join([str(workdir), str(ROOT)]),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def get_status(port: int, path: str) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


class Server:
    """One candidate process group, started on a free port and stopped with SIGTERM."""

    def __init__(self, candidate: Candidate, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.log_path = log_path
        self.log = log_path.open("w")
        self.process = subprocess.Popen(
            candidate.command(self.port),
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self) -> bool:
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if get_status(self.port, "/ping") == 200:
                return True
            time.sleep(0.2)
        return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def log_tail(self, lines: int = 5) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("wrk is missing: apt-get install -y wrk ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "wrk"], env=env, capture_output=True, check=False
    )
    return shutil.which("wrk")


WRK_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk_load(wrk: str, url: str, connections: int, seconds: int) -> Result:
    # One wrk thread drives 64 connections easily and leaves the second core to the server.
    argv = [wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "5s", "--latency", url]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout

    def latency(percentile: str) -> float:
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
        return float(match.group(1)) * WRK_UNITS_MS[match.group(2)] if match else float("nan")

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"connect (\d+), read \d+, write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return Result(float(rate.group(1)) if rate else 0.0, latency("50"), latency("99"), errors)


def httpx_load(url: str, connections: int, seconds: int) -> Result:
    import httpx

    async def run() -> Result:
        latencies: list[float] = []
        errors = 0
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=5) as client:
            deadline = time.monotonic() + seconds

            async def worker() -> None:
                nonlocal errors
                while time.monotonic() < deadline:
                    started = time.perf_counter()
                    try:
                        response = await client.get(url)
                        ok = response.status_code < 400
                    except httpx.HTTPError:
                        ok = False
                    latencies.append((time.perf_counter() - started) * 1000)
                    errors += not ok

            began = time.monotonic()
            await asyncio.gather(*(worker() for _ in range(connections)))
            elapsed = time.monotonic() - began
        cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
        return Result(len(latencies) / elapsed, cuts[49], cuts[98], errors)

    return asyncio.run(run())


def migrate(workdir: Path) -> None:
    env = server_environment(workdir, database_url="")
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def format_table(
    scenario: Scenario, rows: dict[str, Result], candidates: list[Candidate]
) -> list[str]:
    best = max((result.requests_per_second for result in rows.values()), default=0.0) or 1.0
    lines = [
        f"GET {scenario.path} ({scenario.database})",
        f"  {'server':<48} {'ws':>3} {'req/s':>8} {'x best':>7} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'errors':>7}",
    ]
    ranked = sorted(rows.items(), key=lambda item: -item[1].requests_per_second)
    websockets = {candidate.name: candidate.websockets for candidate in candidates}
    for name, result in ranked:
        lines.append(
            f"  {name:<48} {'yes' if websockets[name] else 'no':>3}"
            f" {result.requests_per_second:>8,.0f} {result.requests_per_second / best:>7.2f}"
            f" {result.p50_ms:>8.1f} {result.p99_ms:>8.1f} {result.errors:>7}"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench servers", description=__doc__)
    parser.add_argument("--duration", type=int, default=3, help="seconds per run")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=1, help="runs per candidate; best kept")
    parser.add_argument("--only", default="", help="comma-separated substrings of names")
    parser.add_argument(
        "--database",
        choices=["auto", "sqlite", "postgresql", "both"],
        default="auto",
        help="for /healthz; auto: PostgreSQL when DATABASE_URL is set, else SQLite",
    )
    args = parser.parse_args(sys.argv[1:])

    wanted = [word.strip() for word in args.only.split(",") if word.strip()]
    candidates = [
        candidate
        for candidate in CANDIDATES
        if (not wanted or any(word in candidate.name for word in wanted))
        and importlib.util.find_spec(candidate.requires) is not None
    ]
    skipped = [c.name for c in CANDIDATES if c not in candidates]
    database_url = os.environ.get("DATABASE_URL", "")
    postgres = [("postgresql", database_url)] if database_url.startswith("postgres") else []
    sqlite = [("sqlite", "")]
    databases = {
        "auto": postgres or sqlite,
        "sqlite": sqlite,
        "postgresql": postgres,
        "both": sqlite + postgres,
    }[args.database]
    if not databases:
        parser.error("--database postgresql needs DATABASE_URL=postgres://...")

    wrk = ensure_wrk()
    seconds = args.duration
    if wrk:

        def load(url: str) -> Result:
            return wrk_load(wrk, url, args.connections, seconds)

        generator = f"wrk, 1 thread, {args.connections} connections"
    else:

        def load(url: str) -> Result:
            return httpx_load(url, args.connections, seconds)

        generator = f"httpx asyncio client, {args.connections} connections (bounds the rates)"
    print(
        f"Servers on loopback, {os.cpu_count()} CPUs, {WORKERS} workers each (daphne: 1),"
        f" DEBUG=0; load: {generator}; {seconds:g} s per run after {WARMUP_SECONDS} s warm-up,"
        f" best of {args.rounds} round(s)",
        flush=True,
    )
    if skipped:
        print(f"Skipped (not installed or not selected): {', '.join(skipped)}", flush=True)

    results: dict[Scenario, dict[str, Result]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-servers-") as tmp:
        workdir = Path(tmp)
        (workdir / "wsgi_to_asgi.py").write_text(ADAPTER_MODULE)
        migrate(workdir)
        for _ in range(args.rounds):
            for candidate in candidates:
                for index, (database, url) in enumerate(databases):
                    # /ping touches no database: once per candidate is enough.
                    paths = ["/ping", "/healthz"] if index == 0 else ["/healthz"]
                    env = server_environment(workdir, url)
                    server = Server(candidate, env, workdir / "server.log")
                    try:
                        if not server.wait_ready():
                            print(f"! {candidate.name} did not start:\n{server.log_tail()}")
                            continue
                        for path in paths:
                            target = f"http://127.0.0.1:{server.port}{path}"
                            if wrk:
                                wrk_load(wrk, target, args.connections, WARMUP_SECONDS)
                            result = load(target)
                            label = "no database" if path == "/ping" else database
                            row = results.setdefault(Scenario(path, label), {})
                            previous = row.get(candidate.name)
                            if previous is None or (
                                result.requests_per_second > previous.requests_per_second
                            ):
                                row[candidate.name] = result
                            print(
                                f"  {candidate.name} {path} ({label}):"
                                f" {result.requests_per_second:,.0f} req/s",
                                flush=True,
                            )
                    finally:
                        server.stop()

    print()
    for scenario, rows in results.items():
        print("\n".join(format_table(scenario, rows, candidates)))
        print()
    print(
        "x best: requests per second relative to the fastest candidate in this run (the"
        " machine is shared: compare ratios, not absolute numbers). ws: serves /ws/ too."
    )
