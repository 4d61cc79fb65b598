"""Fixtures of the feed tests: tasks run inline (even with REDIS_URL set), and on-commit
callbacks run as a real commit would run them."""

from collections.abc import Callable

import pytest
from pytest_django import Settings


@pytest.fixture(autouse=True)
def _eager_tasks(settings: Settings) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True


@pytest.fixture
def committed(django_capture_on_commit_callbacks: Callable) -> Callable:
    """`with committed():` runs the on-commit callbacks (fan-out, prune) of the writes
    inside it, as the commit of a request would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
