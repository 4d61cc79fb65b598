"""Assertions shared by test modules."""

from collections.abc import Callable

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
