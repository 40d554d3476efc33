"""Ending a connection's PostgreSQL backend from a second connection, as a server restart,
an operator, a failover or a pooler would (tests of what the code does next)."""

import psycopg


def end_backend(conn, *, wait: bool = False) -> None:
    """`pg_terminate_backend` on `conn`'s backend; with `wait`, until it has gone."""
    pid = conn.connection.info.backend_pid
    s = conn.settings_dict
    with psycopg.connect(
        host=s["HOST"],
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"],
        dbname=s["NAME"],
        autocommit=True,
    ) as other:
        (ended,) = other.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()
        assert ended, "the backend was not terminated"
        # pg_terminate_backend only signals the backend.
        for _ in range(200 if wait else 0):
            gone = other.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", [pid]
            )
            if gone.fetchone()[0]:
                return
            other.execute("SELECT pg_sleep(0.01)")
        if wait:
            raise AssertionError("the backend did not end")
