"""Background work of the feed: Celery tasks, and `enqueue`, the one way to start them.

With a broker (REDIS_URL) a task is queued and a worker (`celery -A instaclone worker`)
runs it; the web request never waits for a fan-out. Without one, or with
CELERY_TASK_ALWAYS_EAGER=1 (tests), it runs inline. Callers enqueue from
`transaction.on_commit` callbacks (the signals of posts and social are sent on commit),
so a task never sees a write that could still roll back.
"""

import logging

from celery import Task
from django.conf import settings

from feed import services
from instaclone.celery import app

logger = logging.getLogger(__name__)


@app.task(name="feed.fan_out_post")
def fan_out_post(post_id: int) -> int:
    return services.timeline_fan_out(post_id=post_id)


@app.task(name="feed.backfill")
def backfill(owner_id: int, author_id: int) -> int:
    return services.timeline_backfill(owner_id=owner_id, author_id=author_id)


def enqueue(task: Task, *args: object) -> None:
    """Run `task` in a worker, or inline when eager. Read per call (not Celery's cached
    configuration) so tests and the embedded default can switch it with settings."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        task.run(*args)
        return
    try:
        task.apply_async(args=args)
    except Exception:
        # The write already committed; a broker outage must not turn it into an error.
        # The feed heals: visibility is checked on read and timelines are rebuilt.
        logger.exception("Could not queue %s%r; running it inline", task.name, args)
        task.run(*args)
