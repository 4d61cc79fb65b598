"""WSGI entry point: serves HTTP (pages, API, media, static) without the ASGI thread hop."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaclone.settings")

application = get_wsgi_application()

# Startup objects (Django, the URLconf, every app) out of the collector's sight: full
# collections then walk only what requests allocate (see instaclone/ws_asgi.py).
gc.freeze()
