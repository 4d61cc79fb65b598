"""Assertions shared by test modules."""

import re
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


def assert_constant_queries(
    action: Callable[[], object], grow: Callable[[], object], *, at_most: int
) -> None:
    """`action` runs the same number of queries (and no more than `at_most`) before and
    after `grow` adds rows: proof that a list page has no N+1."""
    before = count_queries(action)
    grow()
    after = count_queries(action)
    assert after == before, f"queries grew from {before} to {after} with more rows"
    assert after <= at_most, f"{after} queries, expected at most {at_most}"


def record_cache_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A list that receives the name of each cache call made from now on (get, get_many,
    set, set_many, delete, add): one per round trip to Redis. LocMemCache's get_many
    calls get() once per key where Redis answers one MGET, so nested calls are left out."""
    calls: list[str] = []
    depth = [0]

    def counted(name: str, original: Callable) -> Callable:
        def call(*args: object, **kwargs: object) -> object:
            if not depth[0]:
                calls.append(name)
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "set", "set_many", "delete", "add"):
        monkeypatch.setattr(cache, name, counted(name, getattr(cache, name)))
    return calls


# A form's CSRF field, as Django's {% csrf_token %} writes it; group 1 is the token.
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def form_csrf_token(html: str) -> str:
    """The CSRF token of the first form in `html`."""
    return CSRF_FIELD.search(html).group(1)
