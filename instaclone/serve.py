"""The production entry point: `python -m instaclone.serve [--host H] [--port P] [--workers N]`.

Measured with `python -m bench servers` (2 cores, 2 workers each): on a bare Django JSON view,
Django's own ASGI handler, which runs each sync view in a new thread, serves about a tenth of
what granian's WSGI interface serves; `HybridApplication` below, under granian's ASGI
interface, serves 0.5-0.9 of it and /ws/ as well. So there are two setups:

- `--role all` (the default): HTTP and /ws/ on one port. HTTP goes to Django's WSGI handler
  on a bounded thread pool, websockets to Channels. For `make serve` and one-port hosts.
- Behind the reverse proxy: `--role http` (granian WSGI, no websockets, the fastest HTTP)
  for everything, and `--role ws` for /ws/: daphne workers sharing one listening socket.
  An idle socket costs about 36 KB there (`python -m bench live`) against about 150 KB under
  granian, whose bare websocket already costs that much: for thousands of open sockets the
  memory, not the CPU, is what runs out. Daphne answers HTTP too, slowly: send it /ws/ only.

Without REDIS_URL the channel layer lives in one process's memory: every role then runs a
single worker, so an event published while serving a request reaches every socket, and
`--role http` refuses to start (its writes could reach no socket).

HOST, PORT, WEB_CONCURRENCY (worker processes) and WEB_THREADS (request threads per worker:
keep it at most DB_POOL_MAX_SIZE) are the defaults. The server replaces this process (exec),
so SIGTERM reaches granian itself, which stops its workers gracefully.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from io import BytesIO
from pathlib import Path
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from asgiref.sync import sync_to_async

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Environ = dict[str, Any]
WSGIApp = Callable[[Environ, Callable[..., Any]], Iterable[bytes]]

PROJECT_DIR = Path(__file__).resolve().parent.parent
ROLES = ("all", "http", "ws")
# Request threads per worker. Python runs one thread at a time per process: a page that
# waits on PostgreSQL a few times per request gets its turn back later, and pays for the
# handover, the more threads compete. Measured on 2 cores with 2 workers (feed pages,
# CPU per request): 8 threads 3.7 ms API / 5.7 ms HTML, 3 threads 2.9 / 4.6 ms, and
# 45% more pages per second. Requests that mostly wait (uploads to S3) want more: raise
# WEB_THREADS, or add workers, for such a mix.
DEFAULT_THREADS = 3
# Request bodies up to this size stay in memory; larger ones spill to a temporary file.
SPOOL_BYTES = 1024 * 1024
# Files (static, local media) are sent in chunks of this size.
FILE_CHUNK_BYTES = 256 * 1024
# How long a stopping worker may take to close its connections (open websockets included).
KILL_TIMEOUT_SECONDS = 30


class FileWrapper:
    """`wsgi.file_wrapper`: Django hands files (static, media) over through it, so they are
    sent in large chunks instead of its 4-8 KB blocks, each a hop to the event loop."""

    def __init__(self, file: IO[bytes], block_size: int = FILE_CHUNK_BYTES) -> None:
        self.file = file

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self.file.read(FILE_CHUNK_BYTES):
            yield chunk

    def close(self) -> None:
        self.file.close()


class HybridApplication:
    """HTTP through Django's WSGI handler on a bounded thread pool, websockets through Channels.

    Django's ASGI handler gives each request of a sync view its own new thread; here a pool of
    `threads` threads per process serves every request, so a process never holds more than
    `threads` database connections for HTTP. The body is read on the event loop before a
    thread is taken, so a slow upload holds no thread.
    """

    def __init__(
        self, wsgi_app: WSGIApp, websocket_app: ASGIApp, threads: int, max_body_bytes: int
    ) -> None:
        self.wsgi_app = wsgi_app
        self.websocket_app = websocket_app
        self.max_body_bytes = max_body_bytes
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="http")
        # Through asgiref rather than run_in_executor: a view's async_to_sync (channel layer
        # sends, the /healthz round trip) then runs on this worker's event loop, as under
        # Django's ASGI handler, instead of in a new loop and thread per call, which
        # channels_redis cannot receive() from concurrently.
        self.run_in_pool = sync_to_async(
            self.run_wsgi, thread_sensitive=False, executor=self.executor
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.http(scope, receive, send)
        elif scope["type"] == "websocket":
            await self.websocket_app(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self.lifespan(receive, send)

    async def lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.to_thread(self.executor.shutdown, wait=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        environ = wsgi_environ(scope)
        body = await self.read_body(environ, receive)
        if body is None:
            return
        environ["wsgi.input"] = body
        loop = asyncio.get_running_loop()

        async def forward(message: Message) -> None:
            # Servers' send() may return an awaitable that is not a coroutine (granian's is).
            await send(message)

        def send_from_thread(message: Message) -> None:
            asyncio.run_coroutine_threadsafe(forward(message), loop).result()

        whole = await self.run_in_pool(environ, send_from_thread)
        if whole is not None:
            start, content = whole
            await send(start)
            await send({"type": "http.response.body", "body": content})

    async def read_body(self, environ: Environ, receive: Receive) -> IO[bytes] | None:
        """The whole request body, or None if the client went away. A body over the limit
        is not kept: Django gets its size and no bytes, and RequestSizeLimitMiddleware
        answers 413 as it does under any server."""
        try:
            declared = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > self.max_body_bytes:
            return BytesIO()
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        if not message.get("more_body", False):
            content = message.get("body", b"")
            if content:
                environ["CONTENT_LENGTH"] = str(len(content))
            return BytesIO(content)
        # Closed by run_wsgi once the request is served, in whichever thread that is.
        body: IO[bytes] = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        received = 0
        while True:
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_body_bytes:
                body.close()
                environ["CONTENT_LENGTH"] = str(received)
                return BytesIO()
            body.write(chunk)
            if not message.get("more_body", False):
                break
            message = await receive()
            if message["type"] == "http.disconnect":
                body.close()
                return None
        # A chunked body has no declared length, and Django reads no more than the length.
        environ["CONTENT_LENGTH"] = str(received)
        body.seek(0)
        return body

    def run_wsgi(
        self, environ: Environ, send_from_thread: Callable[[Message], None]
    ) -> tuple[Message, bytes] | None:
        """Runs in a pool thread. A plain response comes back whole for the event loop to
        send; a streaming one (static and media files, StreamingHttpResponse) is sent chunk by
        chunk from here as it is produced, and None comes back."""
        start: Message = {"type": "http.response.start"}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: object = None
        ) -> None:
            start["status"] = int(status.split(" ", 1)[0])
            start["headers"] = [
                (name.lower().encode("latin1"), value.encode("latin1")) for name, value in headers
            ]

        try:
            response = self.wsgi_app(environ, start_response)
            try:
                streaming = getattr(response, "streaming", False)
                if not streaming and not isinstance(response, FileWrapper):
                    return start, b"".join(response)
                send_from_thread(start)
                for chunk in response:
                    if chunk:
                        message = {"type": "http.response.body", "body": chunk, "more_body": True}
                        send_from_thread(message)
                send_from_thread({"type": "http.response.body", "body": b""})
                return None
            finally:
                # Django's close() sends request_finished, which releases the DB connection:
                # it must run in the thread that served the request.
                close = getattr(response, "close", None)
                if close is not None:
                    close()
        finally:
            environ["wsgi.input"].close()


def wsgi_environ(scope: Scope) -> Environ:
    root_path: str = scope.get("root_path", "")
    path: str = scope["path"]
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    server = scope.get("server") or ("localhost", 80)
    environ: Environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path.encode().decode("latin1"),
        "PATH_INFO": path.encode().decode("latin1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin1"),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "SERVER_NAME": server[0],
        "SERVER_PORT": str(server[1] or 80),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "wsgi.file_wrapper": FileWrapper,
    }
    client = scope.get("client")
    if client:
        environ["REMOTE_ADDR"] = client[0]
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin1").upper().replace("-", "_")
        if name not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            name = f"HTTP_{name}"
        value = raw_value.decode("latin1")
        if name in environ:
            # HTTP/2 may split cookies over several headers; other repeats join with commas.
            value = environ[name] + ("; " if name == "HTTP_COOKIE" else ",") + value
        environ[name] = value
    return environ


def application() -> ASGIApp:
    """granian's `--factory` target: builds the hybrid application in each worker."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaclone.settings")
    from django.conf import settings

    from instaclone.asgi import application as asgi_application
    from instaclone.wsgi import application as wsgi_application

    threads = int(os.environ.get("WEB_THREADS") or DEFAULT_THREADS)
    hybrid = HybridApplication(
        wsgi_application, asgi_application, threads, settings.MAX_REQUEST_BYTES
    )
    # Startup objects out of the collector's sight (see instaclone/ws_asgi.py).
    gc.freeze()
    return hybrid


def server_command(role: str, host: str, port: int, workers: int, threads: int) -> list[str]:
    """The granian command line for one role."""
    common = [
        *("--host", host, "--port", str(port), "--workers", str(workers)),
        # Imports resolve from the project, whatever the current directory.
        *("--working-dir", str(PROJECT_DIR)),
        *("--respawn-failed-workers", "--workers-kill-timeout", str(KILL_TIMEOUT_SECONDS)),
    ]
    if role == "http":
        target = ["--interface", "wsgi", "--no-ws", "--blocking-threads", str(threads)]
        target.append("instaclone.wsgi:application")
    else:
        target = ["--interface", "asgi", "--factory", "instaclone.serve:application"]
    return [sys.executable, "-m", "granian", *common, *target]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m instaclone.serve", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000))
    parser.add_argument(
        "--workers",
        type=int,
        default=int(os.environ.get("WEB_CONCURRENCY") or os.cpu_count() or 1),
        help="worker processes (default: WEB_CONCURRENCY, else one per CPU)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=int(os.environ.get("WEB_THREADS") or DEFAULT_THREADS),
        help="request threads per worker, at most DB_POOL_MAX_SIZE (default: WEB_THREADS, 3)",
    )
    parser.add_argument(
        "--role",
        choices=ROLES,
        default="all",
        help="all: HTTP and /ws/ on one port; http: WSGI only; ws: the /ws/ side of a split",
    )
    return parser.parse_args(argv)


def daphne_command(listener_fd: int) -> list[str]:
    """One websocket worker on an inherited listening socket. No lifetime cap on sockets
    (daphne's default closes them after a day); keepalive pings find dead peers."""
    return [
        *(sys.executable, "-m", "daphne", "--fd", str(listener_fd)),
        *("--websocket_timeout", "-1", "--ping-interval", "20", "--ping-timeout", "30"),
        *("--application-close-timeout", "10", "--verbosity", "0"),
        "instaclone.ws_asgi:application",
    ]


def run_ws_workers(host: str, port: int, workers: int) -> int:
    """`--role ws`: `workers` daphne processes accepting on one socket, restarted if one
    dies; SIGTERM or SIGINT stops them all (each closes its sockets) and returns 0."""
    listener = socket.create_server((host, port), backlog=2048)
    # Accepted sockets inherit it: without it, Nagle's algorithm holds a small frame until
    # the client acknowledges the previous one (delayed ACKs: up to 200 ms), and two
    # post.counts meant to be 100 ms apart leave together.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.set_inheritable(True)
    command = daphne_command(listener.fileno())
    stopping = False

    def spawn() -> subprocess.Popen:
        # Our own fixed command line (sys.executable, daphne, the inherited socket).
        return subprocess.Popen(command, cwd=PROJECT_DIR, pass_fds=(listener.fileno(),))  # noqa: S603

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    children = [spawn() for _ in range(workers)]
    while not stopping:
        time.sleep(0.2)
        for index, child in enumerate(children):
            if child.poll() is not None and not stopping:
                print(f"serve: ws worker {child.pid} exited ({child.returncode}); restarting")
                time.sleep(1)
                children[index] = spawn()
    for child in children:
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + KILL_TIMEOUT_SECONDS
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    return 0


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.workers < 1 or args.threads < 1:
        sys.exit("serve: --workers and --threads must be at least 1")
    shared_layer = bool(os.environ.get("REDIS_URL"))
    if args.role == "http" and not shared_layer:
        sys.exit("serve: --role http needs REDIS_URL: its events must reach other processes")
    workers = args.workers if shared_layer else 1
    if workers != args.workers:
        print(f"serve: no REDIS_URL, so 1 worker instead of {args.workers}", flush=True)
    os.environ["WEB_THREADS"] = str(args.threads)
    if args.role == "ws":
        print(
            f"serve: role ws on http://{args.host}:{args.port}, {workers} daphne worker(s)",
            flush=True,
        )
        sys.exit(run_ws_workers(args.host, args.port, workers))
    command = server_command(args.role, args.host, args.port, workers, args.threads)
    print(
        f"serve: role {args.role} on http://{args.host}:{args.port}, {workers} worker(s) x "
        f"{args.threads} threads: {shlex.join(command)}",
        flush=True,
    )
    # exec, not a child process: SIGTERM from the supervisor goes straight to granian.
    os.execv(command[0], command)  # noqa: S606


if __name__ == "__main__":
    main()
