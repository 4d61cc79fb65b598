"""The Celery application: background work (feed fan-out) on Redis when REDIS_URL is set.

`celery -A instaclone worker` runs it. Without a broker (the embedded default) tasks are
not queued: feed.tasks runs them inline, after the commit that triggered them.
Configuration comes from Django settings prefixed CELERY_ (see settings.py).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "instaclone.settings")

app = Celery("instaclone")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
