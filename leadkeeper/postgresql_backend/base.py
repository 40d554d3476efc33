"""Django's PostgreSQL backend, with a health check that costs no round trip, and psycopg
remembering the lead's statement.

With CONN_HEALTH_CHECKS, Django checks a persistent connection before the first query of
every request by running `SELECT 1`: one round trip to the server per request, 2-3 % of a
lead's time on the web worker and a statement for PostgreSQL to run (issue 9). A connection
the server has ended (a restart, `pg_terminate_backend`, `idle_session_timeout`, a pooler
closing idle servers) says so on its socket: the server sends its last message and closes.
So a connection is usable while libpq holds it open and its socket has nothing to read
between requests; anything else closes it and the request opens a new one, as a failed
`SELECT 1` would. Neither check finds a peer that vanished without closing (a cut cable);
`SELECT 1` would hang on that too. SQLite does not use this module.

psycopg turns a statement's `%s` placeholders into `$n` with a regular expression, and
remembers the result only for statements up to 4,096 bytes and 50 parameters. A lead is
one statement of about 7,000 bytes and 70 parameters (leadkeeper.inserts.insert_together),
which psycopg then parsed again for every lead: a twentieth of its time on the web worker
(issue 9). The limits are raised to fit it; the memo stays psycopg's own (128 statements).
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import _queries, pq

_queries.MAX_CACHED_STATEMENT_LENGTH = max(_queries.MAX_CACHED_STATEMENT_LENGTH, 16_384)
_queries.MAX_CACHED_STATEMENT_PARAMS = max(_queries.MAX_CACHED_STATEMENT_PARAMS, 200)


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        if self.connection is None or self.connection.closed:
            return False
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK:
            return False
        if pgconn.transaction_status != pq.TransactionStatus.IDLE:
            # Inside a transaction the server may be sending results; ask it.
            return super().is_usable()
        # Idle, nothing is owed to us: anything waiting on the socket is the server ending
        # the session (or a notice we never asked for; a new connection is then harmless).
        # poll(), not select(): no limit on the descriptor's number; a hang-up counts too.
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN)
        return not poller.poll(0)
