"""The real task queue: with REDIS_URL set, a new post is fanned out by a Celery worker."""

import threading
import time
import uuid
from collections.abc import Iterator

import pytest
from django.conf import settings as django_settings
from pytest_django import Settings

from accounts.models import User
from feed import services
from feed.models import TimelineEntry
from instaclone.celery import app
from tests.factories import PostFactory, UserFactory, follow

# The configured Redis, or the local one every development and CI machine runs: the
# worker must talk to a real broker.
BROKER_URL = django_settings.REDIS_URL or "redis://127.0.0.1:6379/11"


@pytest.fixture
def worker(settings: Settings) -> Iterator[None]:
    """A Celery worker thread consuming a queue of this test's own (nothing queued by
    other tests or processes reaches it), with tasks sent to the broker, not run inline."""
    from celery.contrib.testing.worker import start_worker

    queue = f"test-feed-{uuid.uuid4().hex}"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    previous = app.conf.task_default_queue, app.conf.broker_url
    app.conf.task_default_queue = queue
    app.conf.broker_url = BROKER_URL
    try:
        with start_worker(app, perform_ping_check=False, queues=[queue], shutdown_timeout=10):
            yield
    finally:
        app.conf.task_default_queue, app.conf.broker_url = previous


@pytest.mark.django_db(transaction=True)
def test_worker_fans_out_a_new_post(worker: None, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    original = services.timeline_fan_out

    def recording(**kwargs: int) -> int:
        threads.append(threading.current_thread().name)
        return original(**kwargs)

    monkeypatch.setattr(services, "timeline_fan_out", recording)
    alice: User = UserFactory(username="alice")
    bob: User = UserFactory(username="bob")
    follow(bob, alice)
    post = PostFactory(author=alice)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        owners = set(TimelineEntry.objects.filter(post=post).values_list("owner_id", flat=True))
        if owners == {alice.pk, bob.pk}:
            break
        time.sleep(0.1)
    assert owners == {alice.pk, bob.pk}
    assert threads
    assert threading.main_thread().name not in threads  # the worker's, not inline
