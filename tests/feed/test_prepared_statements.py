"""On PostgreSQL, a statement run often on a connection is prepared: planned once."""

from collections.abc import Callable

import pytest
from django.db import connection

from accounts.models import User
from feed import selectors
from tests.factories import PostFactory, follow

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
    ),
]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_feed_statements_are_prepared_after_a_few_pages(
    alice: User, bob: User, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        follow(alice, bob)
        PostFactory(author=bob)
    for _ in range(6):
        assert len(selectors.feed_page_for(viewer=alice).posts) == 1
    statements = prepared_statements()
    assert any("feed_timelineentry" in statement for statement in statements)
    assert any('FROM "posts_postmedia"' in statement for statement in statements)
