"""PostgreSQL's health check reads the socket instead of running SELECT 1 (issue 9)."""

import json

import psycopg
import pytest
from django.db import close_old_connections, connection, transaction

from capture.models import Lead

pytestmark = [
    # Transactional: the connection is idle between statements, as between two requests.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no server"),
]

LEAD = {"name": "Ivan Petrov", "phone": "+7 916 123-45-67", "consent": True}


def _end_own_backend() -> None:
    """From a second connection, as a server restart, an operator or a pooler would."""
    pid = connection.connection.info.backend_pid
    s = connection.settings_dict
    with psycopg.connect(
        host=s["HOST"],
        port=s["PORT"] or 5432,
        user=s["USER"],
        password=s["PASSWORD"],
        dbname=s["NAME"],
        autocommit=True,
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        # pg_terminate_backend only signals; wait until the backend has gone.
        for _ in range(200):
            gone = other.execute(
                "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE pid = %s)", [pid]
            )
            if gone.fetchone()[0]:
                return
            other.execute("SELECT pg_sleep(0.01)")
    raise AssertionError("the backend did not end")


def test_an_idle_connection_is_usable_without_a_round_trip(monkeypatch):
    connection.ensure_connection()

    def no_statements(*args, **kwargs):
        raise AssertionError("the health check ran a statement")

    monkeypatch.setattr(connection.connection, "cursor", no_statements)
    monkeypatch.setattr(connection.connection, "execute", no_statements)
    assert connection.is_usable()


def test_a_connection_the_server_ended_is_not_usable():
    connection.ensure_connection()
    _end_own_backend()
    assert not connection.is_usable()
    connection.close()


def test_the_next_request_after_the_server_ended_the_connection_stores_its_lead(client):
    connection.ensure_connection()
    _end_own_backend()
    # What Django runs when a request starts (the test client leaves it out).
    close_old_connections()
    response = client.post("/api/v1/leads", json.dumps(LEAD), content_type="application/json")
    assert response.status_code == 201, response.content
    assert Lead.objects.filter(pk=response.json()["id"]).exists()


def test_inside_a_transaction_the_check_asks_the_server(monkeypatch):
    asked = []
    with transaction.atomic():
        Lead.objects.exists()
        cursor = connection.connection.cursor
        monkeypatch.setattr(
            connection.connection, "cursor", lambda *a, **k: asked.append(1) or cursor(*a, **k)
        )
        assert connection.is_usable()
    assert asked, "the server was asked"
