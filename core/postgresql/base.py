"""Django's PostgreSQL backend with a health check that costs no round trip.

Connections persist between requests (CONN_MAX_AGE) and are checked before a request reuses
one (CONN_HEALTH_CHECKS), so that a restarted database or a killed connection costs no 500.
Django checks with `SELECT 1`: a round trip to the server on every request, which on a busy
machine waits its turn like a query. Between requests a healthy connection receives
nothing, and a server that ends one (a restart, pg_terminate_backend) sends a notice and
closes it, which makes the socket readable. So the socket is polled; only if something
arrived is `SELECT 1` run to find out.
"""

import select

from django.db.backends.postgresql.base import DatabaseWrapper as PostgreSQLDatabaseWrapper


class DatabaseWrapper(PostgreSQLDatabaseWrapper):
    def is_usable(self):
        if self.connection is None or self.connection.closed or self.connection.broken:
            return False
        try:
            readable, _, _ = select.select([self.connection.fileno()], [], [], 0)
        except (OSError, ValueError):  # the socket is gone
            return False
        return not readable or super().is_usable()
