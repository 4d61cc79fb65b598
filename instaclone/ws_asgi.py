"""The application of `python -m instaclone.serve --role ws` (daphne workers).

The same ASGI application as instaclone.asgi, with two changes to the process it runs in:

- What was loaded at startup (Django, the URLconf, every app) is moved out of the garbage
  collector's sight: a websocket fan-out allocates a little per socket, and full
  collections over the whole startup heap were a fifth of the event loop's time at 1,000
  sockets (`python -m bench live`, profiled).
- Frames are written to the socket at once (`write_through`) instead of on the reactor's
  next turn.
"""

import gc

from twisted.internet import tcp

from instaclone.asgi import application

_buffered_write = tcp.Connection.write


def write_through(connection: tcp.Connection, data: bytes) -> None:
    """Send `data` now when nothing is queued before it; queue what the kernel refuses.

    Twisted's TCP transport only ever queues a write and registers the socket for
    writability, and sends on the reactor's next turn: two epoll_ctl calls and a loop turn
    for every frame. In a fan-out of one frame to 1,000 sockets those calls were a fifth of
    the event loop's time, and every frame left a turn late (profiled under
    `python -m bench live`). This is what asyncio's own transports do: try the socket
    first. With anything already queued (or TLS, or a closing connection) the bytes go
    through Twisted's queue, so they never overtake earlier ones and errors are met where
    Twisted handles them.
    """
    if (
        isinstance(data, bytes)
        and not connection.TLS
        and connection.connected
        and not connection.disconnecting
        and not connection._writeDisconnected
        and not connection._tempDataLen
        and connection.offset == len(connection.dataBuffer)
    ):
        try:
            sent = connection.socket.send(data)
        except OSError:
            # Full (EAGAIN) or failing: the queued path retries, or reports the loss.
            sent = 0
        if sent == len(data):
            return
        data = data[sent:]
    _buffered_write(connection, data)


tcp.Connection.write = write_through
gc.freeze()

__all__ = ["application"]
