"""WSGI entry point: serves HTTP (pages, API, media, static) without the ASGI thread hop."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaclone.settings")

application = get_wsgi_application()

# The URLconf, and with it every view, serializer and form, imported now rather than by
# the first request, so that they are among the startup objects put out of the
# collector's sight: full collections then walk only what requests allocate (see
# instaclone/ws_asgi.py). Imported later, they were walked by every one.
get_resolver().url_patterns  # noqa: B018 (imports the URLconf)
gc.freeze()
