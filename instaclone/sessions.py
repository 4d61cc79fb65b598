"""Database sessions that know their account, read with it in one statement.

Django's database backend with accounts.models.Session, which adds the account's id (set
whenever the session is saved). A signed-in page read its session, then its account and
the navigation's badges: two statements, each a round trip before the page's own. Here
the session row comes with its account's row and badges (`prefetched_user`), which the
authentication backend takes instead of querying (accounts.backends, through
`session_user`). Everything else (saving, rotating, expiring, the session hash check) is
Django's.

The statement is built by the ORM once per process and database, for stand-in values,
then run with each request's key and time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import db
from django.db import connections, router
from django.db.models import OuterRef
from django.utils import timezone

from instaclone import compiled

if TYPE_CHECKING:
    from accounts.models import Session, User

# Stand-ins the statement is compiled for, found again among its parameters.
_KEY_STAND_IN = "session-key-stand-in-7f3c9a"
_TIME_STAND_IN = datetime(1970, 1, 1, 0, 0, 1, 234567, tzinfo=UTC)


@dataclass(frozen=True)
class _Statement:
    sql: str
    params: tuple[Any, ...]
    key_slots: tuple[int, ...]
    time_slots: tuple[int, ...]
    converters: compiled.Converters


_statements: dict[str, _Statement] = {}
# The session of the request whose user is being authenticated (see session_user).
_current_session: ContextVar[SessionStore | None] = ContextVar("current_session", default=None)


def _compile(using: str) -> _Statement:
    from accounts.models import Session, user_fields
    from social.selectors import nav_count_annotations

    connection = connections[using]
    rows = (
        Session.objects.using(using)
        .filter(session_key=_KEY_STAND_IN, expire_date__gt=_TIME_STAND_IN)
        .annotate(**nav_count_annotations(OuterRef("user_id")))
        .values_list(
            "session_data", *(f"user__{name}" for name in user_fields()), "unread", "requests"
        )
    )
    compiler = rows.query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    time = Session._meta.get_field("expire_date").get_db_prep_value(_TIME_STAND_IN, connection)
    key_slots = tuple(i for i, value in enumerate(params) if value == _KEY_STAND_IN)
    time_slots = tuple(i for i, value in enumerate(params) if value == time)
    if len(key_slots) != 1 or len(time_slots) != 1:
        raise ValueError("The session statement's key and time are not bound parameters.")
    return _Statement(
        sql=sql,
        params=tuple(params),
        key_slots=key_slots,
        time_slots=time_slots,
        converters=compiled.converters_of(compiler),
    )


def _session_row(using: str, key: str) -> list[Any] | None:
    """The unexpired session `key`: its data, its account's columns (None without one),
    then the account's unread notifications and follow requests."""
    from accounts.models import Session

    statement = _statements.get(using)
    if statement is None:
        statement = _statements[using] = _compile(using)
    connection = connections[using]
    now = Session._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
    params = list(statement.params)
    for slot in statement.key_slots:
        params[slot] = key
    for slot in statement.time_slots:
        params[slot] = now
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        row = cursor.fetchone()
    return None if row is None else compiled.convert_row(row, statement.converters, connection)


class SessionStore(db.SessionStore):
    # The account read with the session, with `prefetched_nav_counts`; None when the
    # session has none (or was not read from the database).
    prefetched_user: User | None = None

    @classmethod
    def get_model_class(cls) -> type[Session]:
        from accounts.models import Session

        return Session

    def create_model_instance(self, data: dict[str, Any]) -> Session:
        session = super().create_model_instance(data)
        account = data.get(SESSION_KEY)
        session.user_id = int(account) if account is not None else None
        return session

    def _get_session_from_db(self) -> Session | None:
        """The unexpired session row of this key, as the ORM's get() would find it; its
        account (if any) becomes `prefetched_user`."""
        from social.selectors import user_from_nav_row

        model = self.model
        values = _session_row(router.db_for_read(model), self.session_key)
        self.prefetched_user = None
        if values is None:
            self._session_key = None
            return None
        session_data, *account = values
        if account[0] is not None:
            self.prefetched_user = user_from_nav_row(account)
        return model(session_key=self.session_key, session_data=session_data)


@contextmanager
def authenticating(session: object) -> Iterator[None]:
    """While the block runs, `session_user` answers from `session` (the request's)."""
    token = _current_session.set(session if isinstance(session, SessionStore) else None)
    try:
        yield
    finally:
        _current_session.reset(token)


def session_user(user_id: int) -> User | None:
    """The account the current request's session was read with, if it is `user_id`."""
    session = _current_session.get()
    user = session.prefetched_user if session is not None else None
    return user if user is not None and user.pk == user_id else None
