"""The `--role ws` workers write frames to the socket at once (instaclone.ws_asgi): bytes
must still arrive whole and in order when the kernel's buffer fills, and go through
Twisted's own queue from then on. A real TCP connection over a socket pair; the reactor
is a stand-in that records what Twisted registers with it (nothing here runs a loop)."""

import socket
from collections.abc import Iterator

import pytest
from twisted.internet import protocol, tcp

from instaclone.ws_asgi import write_through


class RecordingReactor:
    def __init__(self) -> None:
        self.writers: set[object] = set()

    def addWriter(self, writer: object) -> None:
        self.writers.add(writer)

    def removeWriter(self, writer: object) -> None:
        self.writers.discard(writer)


@pytest.fixture
def pair() -> Iterator[tuple[tcp.Connection, socket.socket, RecordingReactor]]:
    ours, peer = socket.socketpair()
    # Small buffers, so that a write of a few hundred kB cannot go out at once.
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
    peer.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
    reactor = RecordingReactor()
    connection = tcp.Connection(ours, protocol.Protocol(), reactor)
    connection.connected = True
    yield connection, peer, reactor
    ours.close()
    peer.close()


def received(peer: socket.socket, size: int) -> bytes:
    peer.settimeout(5)
    chunks, total = [], 0
    while total < size:
        chunk = peer.recv(size - total)
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def test_a_frame_leaves_at_once_with_nothing_queued(pair) -> None:
    connection, peer, reactor = pair

    write_through(connection, b"frame one")
    write_through(connection, b"frame two")

    assert received(peer, 18) == b"frame oneframe two"
    assert not reactor.writers  # no loop turn, no writability registration


def test_what_the_kernel_refuses_is_queued_and_nothing_overtakes_it(pair) -> None:
    connection, peer, reactor = pair
    large = bytes(range(256)) * 2048  # 512 kB: far more than the buffers hold

    write_through(connection, large)
    assert reactor.writers == {connection}  # the rest waits for writability
    write_through(connection, b"tail")  # must queue behind the rest, not jump ahead

    expected = large + b"tail"
    data = b""
    while len(data) < len(expected):
        data += peer.recv(65536)
        connection.doWrite()  # what the reactor does once the socket is writable
    assert data == expected
    assert not reactor.writers

    write_through(connection, b"after")
    assert received(peer, 5) == b"after"
    assert not reactor.writers
