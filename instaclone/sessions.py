"""Django's database sessions, read by a statement written once.

Every signed-in page reads its session first. Django's backend builds that query through
the ORM on each request, which cost more than PostgreSQL takes to answer it. Everything
else (saving, rotating, expiring, the model) is Django's own.
"""

from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        """The unexpired session row of this key, as the ORM's get() would find it."""
        model = self.model
        using = router.db_for_read(model)
        connection = connections[using]
        table = connection.ops.quote_name(model._meta.db_table)
        expire = model._meta.get_field("expire_date")
        now = expire.get_db_prep_value(timezone.now(), connection)
        sql = f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s"  # noqa: S608 (the model's table)
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
