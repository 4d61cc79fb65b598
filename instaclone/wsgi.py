"""WSGI entry point: serves HTTP (pages, API, media, static) without the ASGI thread hop."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaclone.settings")

application = get_wsgi_application()
