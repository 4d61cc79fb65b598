"""On PostgreSQL, a statement run often on a connection is prepared: planned once."""

import re
from collections.abc import Callable

import pytest
from django.db import connection
from psycopg.sql import Literal

from accounts.models import User
from feed import selectors
from tests.factories import PostFactory, follow
from tests.feed.network import grow_network

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


PARAMETER_TYPES = {int: "bigint", str: "text", bool: "boolean"}


def generic_plan(sql: str, params: list) -> str:
    """PostgreSQL's plan for `sql` as a prepared statement planned once for any values:
    the plan it may settle on after a few runs."""
    numbered = iter(range(1, sql.count("%s") + 1))
    prepared = re.sub(r"%s", lambda _: f"${next(numbered)}", sql)
    types = ", ".join(PARAMETER_TYPES[type(value).__mro__[-2]] for value in params)
    with connection.cursor() as cursor:
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            cursor.execute(f"PREPARE feed_posts ({types}) AS {prepared}")
            # As literals: EXPLAIN cannot type parameters bound by the server.
            raw = connection.connection
            values = ", ".join(Literal(value).as_string(raw) for value in params)
            cursor.execute(f"EXPLAIN EXECUTE feed_posts({values})")
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE ALL")
            cursor.execute("RESET plan_cache_mode")


def test_a_private_author_is_checked_by_one_follow_probe_not_all_follows(
    alice: User, django_capture_on_commit_callbacks: Callable
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        private = grow_network(alice, followees=300, posts=30, prefix="g")[0].author
        User.objects.filter(pk=private.pk).update(is_private=True)
    statements = []

    def capture(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        statements.append((sql, list(params or ())))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        page = selectors.feed_page_for(viewer=alice, display=False)
    assert any(row.author_id == private.pk for row in page.posts)
    sql, params = next(item for item in statements if item[0].startswith('SELECT "posts_post"'))
    plan = generic_plan(sql, params)
    hashed = re.findall(r"hashed SubPlan (\d+)", plan)
    for number in hashed:
        subplan = plan.split(f"SubPlan {number}\n", 1)[1].split("\n", 2)[:2]
        assert "social_follow" not in "\n".join(subplan), plan
    assert "social_follow" in plan
