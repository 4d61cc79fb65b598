"""The application of `python -m instaclone.serve --role ws` (daphne workers).

The same ASGI application as instaclone.asgi, with what was loaded at startup (Django,
the URLconf, every app) moved out of the garbage collector's sight: a websocket fan-out
allocates a little per socket, and full collections over the whole startup heap were a
fifth of the event loop's time at 1,000 sockets (`python -m bench live`, profiled).
"""

import gc

from instaclone.asgi import application

gc.freeze()

__all__ = ["application"]
