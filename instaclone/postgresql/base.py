"""Django's PostgreSQL backend, with a cheaper check of the connections its pool lends.

psycopg_pool's own check (what CONN_HEALTH_CHECKS turns on for a pool) sends an empty
query before every loan: a round trip per request, and a twentieth of an API request's
instructions. But PostgreSQL writes to a connection before it closes it (a terminated
backend, a restart or shutdown, an idle timeout each send an error, then end of file),
and an idle connection receives nothing otherwise. So a pooled connection with nothing to
read is lent at once; one with something is asked with psycopg_pool's check, and if that
fails it goes back to the pool, which discards it, and the next is taken. A peer gone
without a word (a cut network) is missed here as it is by the empty query: the statement
then fails on its own timeout.
"""

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import Connection, Error, OperationalError
from psycopg_pool import ConnectionPool


def _has_input(connection: Connection) -> bool:
    poller = select.poll()
    poller.register(connection.fileno(), select.POLLIN)
    return bool(poller.poll(0))


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params: dict[str, Any]) -> Connection:
        if self.pool is None:
            return super().get_new_connection(conn_params)
        # Every connection the pool holds may have been closed (a restart), then one more.
        for _ in range(self.pool.max_size + 1):
            connection = super().get_new_connection(conn_params)
            if not connection.closed and not _has_input(connection):
                return connection
            try:
                ConnectionPool.check_connection(connection)
            except Error:
                self.pool.putconn(connection)
            else:
                return connection
        raise OperationalError("the database closed every connection the pool lent")
