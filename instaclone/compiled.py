"""Querysets of a hot read compiled once per shape, then run with each request's values.

Building a queryset (filters, Exists, window functions) and compiling it to SQL costs the
ORM milliseconds of Python for a statement PostgreSQL runs in a fraction of one: on the
feed, most of a page's time. Here the queryset is still built by the ORM, from the same
selectors as everywhere (the visibility rule stays in one place), but for placeholder
values: a viewer whose id is VIEWER_ID and post ids from ID_BASE up. The SQL is kept per
thread and shape (the caller's key: what changes the statement, such as whether the viewer
is staff, and how many ids), and each run binds the real values where the placeholders
were. Rows come back as lists, through the ORM's own converters of the current connection.

A placeholder that the ORM did not pass as a bound parameter (inlined in the SQL, or
dropped) fails the compile, so a statement is never run with a stand-in value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

# Far outside any id a database sequence hands out, and distinct from each other.
VIEWER_ID = -(2**62)
ID_BASE = -(2**61)


# The ORM's converters of a statement's columns: (column index, functions, expression).
Converters = tuple[tuple[int, tuple[Callable, ...], Any], ...]


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]
    # (position in params, index into the request's values: -1 the viewer, n the n-th id)
    slots: tuple[tuple[int, int], ...]
    converters: Converters


_local = threading.local()


def rows(
    key: Hashable,
    build: Callable[[Any, list[int]], QuerySet],
    *,
    viewer: Any,
    ids: Sequence[int],
    using: str = "default",
) -> list[list[Any]]:
    """Rows of `build(viewer, ids).values_list(...)`, compiled once per `key`.

    `build` must depend on `viewer` only through its id, `is_authenticated` and
    `is_staff`, and on `ids` only through their values and count: `key` is combined with
    those. `viewer` may be None or anonymous.
    """
    authenticated = viewer is not None and viewer.is_authenticated
    shape = (key, using, authenticated, authenticated and viewer.is_staff, len(ids))
    cache: dict[Hashable, _Statement] = _local.__dict__.setdefault("statements", {})
    statement = cache.get(shape)
    if statement is None:
        statement = cache[shape] = _compile(build, viewer, len(ids), using)
    params = list(statement.params)
    for position, source in statement.slots:
        params[position] = viewer.pk if source < 0 else ids[source]
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        fetched = cursor.fetchall()
    return [convert_row(row, statement.converters, connection) for row in fetched]


def converters_of(compiler: SQLCompiler) -> Converters:
    """The ORM's converters of a compiled query's columns."""
    converters = compiler.get_converters([column[0] for column in compiler.select])
    return tuple(
        (index, tuple(functions), expression)
        for index, (functions, expression) in converters.items()
    )


def convert_row(row: Sequence[Any], converters: Converters, connection: Any) -> list[Any]:
    """A fetched row as the ORM would return it: its values through their converters."""
    values = list(row)
    for index, functions, expression in converters:
        value = values[index]
        for convert in functions:
            value = convert(value, expression, connection)
        values[index] = value
    return values


def _compile(
    build: Callable[[Any, list[int]], QuerySet], viewer: Any, count: int, using: str
) -> _Statement:
    stand_in = AnonymousUser()
    if viewer is not None and viewer.is_authenticated:
        stand_in = get_user_model()(pk=VIEWER_ID, is_staff=viewer.is_staff, is_active=True)
    id_stand_ins = [ID_BASE + index for index in range(count)]
    compiler = build(stand_in, id_stand_ins).query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    places = {VIEWER_ID: -1} | {value: index for index, value in enumerate(id_stand_ins)}
    slots = tuple(
        (position, places[value])
        for position, value in enumerate(params)
        if isinstance(value, int) and value in places
    )
    bound = {source for _, source in slots}
    expected = set(range(count)) | ({-1} if stand_in.is_authenticated else set())
    if bound != expected or str(VIEWER_ID) in sql or str(ID_BASE)[:12] in sql:
        raise ValueError("A placeholder of a compiled statement is not a bound parameter.")
    return _Statement(
        sql=sql, params=tuple(params), slots=slots, converters=converters_of(compiler)
    )
