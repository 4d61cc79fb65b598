"""`python -m instaclone.serve` as production starts it: `--role all` (one port for HTTP and
/ws/, granian) and `--role ws` (the websocket side of a split, daphne workers); both answer
HTTP and websockets on their port and stop cleanly on SIGTERM."""

import base64
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 30
IO_SECONDS = 5
WEBSOCKET_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=IO_SECONDS) as response:  # noqa: S310
        return response.status, response.headers["Content-Type"], response.read()


def wait_for_ping(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited:\n{log.read_text(errors='replace')}")
        try:
            get(f"{url}/ping")
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    pytest.fail(f"the server did not answer /ping:\n{log.read_text(errors='replace')}")


def read_http_head(connection: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


def masked_text_frame(text: str) -> bytes:
    payload = text.encode()
    assert len(payload) < 126
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def read_text_frame(connection: socket.socket) -> str:
    first, second = connection.recv(2, socket.MSG_WAITALL)
    assert first == 0x81, "a final text frame"
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(connection.recv(2, socket.MSG_WAITALL), "big")
    return connection.recv(length, socket.MSG_WAITALL).decode()


class Served(NamedTuple):
    url: str
    port: int
    process: subprocess.Popen
    log: Path
    role: str


@pytest.fixture(params=["all", "ws"])
def served(request, tmp_path: Path) -> Iterator[Served]:
    """The entry point on a free loopback port, in production settings (DEBUG=0), with its
    own migrated SQLite database and the in-memory channel layer."""
    dropped = {"DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {name: value for name, value in os.environ.items() if name not in dropped}
    env.update(
        DJANGO_SETTINGS_MODULE="instaclone.settings",
        DEBUG="0",
        SECRET_KEY="test-serve-" + "x" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        RATE_LIMITS="off",
        # Plain HTTP on loopback, no TLS proxy in front.
        SECURE_SSL_REDIRECT="0",
        SQLITE_PATH=str(tmp_path / "serve.sqlite3"),
        PYTHONWARNINGS="ignore",
        PYTHONUNBUFFERED="1",
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "instaclone.serve", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--role", request.param]
    with log.open("wb") as log_file:
        # A session of its own: if the test fails, its worker processes go with it.
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_ping(url, process, log)
        yield Served(url, port, process, log, request.param)
    finally:
        stop_group(process)


def stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def websocket_handshake(served: Served, key: str) -> bytes:
    return (
        "GET /ws/ HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{served.port}\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        f"Origin: {served.url}\r\n\r\n"
    ).encode()


def test_server_serves_http_and_websockets_and_stops_on_sigterm(served: Served) -> None:
    status, content_type, body = get(f"{served.url}/ping")
    assert (status, content_type, json.loads(body)) == (200, "application/json", {"pong": True})

    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", served.port), timeout=IO_SECONDS) as connection:
        connection.sendall(websocket_handshake(served, key))
        status_line, *header_lines = read_http_head(connection).decode("latin1").split("\r\n")
        assert status_line.startswith("HTTP/1.1 101 "), status_line
        headers = dict(line.lower().split(": ", 1) for line in header_lines if ": " in line)
        digest = hashlib.sha1((key + WEBSOCKET_GUID).encode(), usedforsecurity=False).digest()
        assert headers["sec-websocket-accept"] == base64.b64encode(digest).decode().lower()
        # The socket reaches the Channels consumer, which answers a message it does not know.
        connection.sendall(masked_text_frame(json.dumps({"type": "nonsense"})))
        assert json.loads(read_text_frame(connection)) == {
            "type": "error",
            "detail": "Unknown message type.",
        }

    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=20) == 0, served.log.read_text(errors="replace")
    assert f"serve: role {served.role} on {served.url}" in served.log.read_text()
