"""PostgreSQL's health check reads the socket instead of running SELECT 1 (issue 9)."""

import json

import pytest
from django.db import close_old_connections, connection, transaction

from capture.models import Lead

from .postgres import end_backend

pytestmark = [
    # Transactional: the connection is idle between statements, as between two requests.
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no server"),
]

LEAD = {"name": "Ivan Petrov", "phone": "+7 916 123-45-67", "consent": True}


def test_an_idle_connection_is_usable_without_a_round_trip(monkeypatch):
    connection.ensure_connection()

    def no_statements(*args, **kwargs):
        raise AssertionError("the health check ran a statement")

    monkeypatch.setattr(connection.connection, "cursor", no_statements)
    monkeypatch.setattr(connection.connection, "execute", no_statements)
    assert connection.is_usable()


def test_a_connection_the_server_ended_is_not_usable():
    connection.ensure_connection()
    end_backend(connection, wait=True)
    assert not connection.is_usable()
    connection.close()


def test_the_next_request_after_the_server_ended_the_connection_stores_its_lead(client):
    connection.ensure_connection()
    end_backend(connection, wait=True)
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


def test_psycopg_parses_the_lead_statement_once_per_process(client):
    """The lead's one WITH (about 7,000 bytes, 70 parameters) is past psycopg's own limits
    for remembering a statement's placeholders; the backend raises them (issue 9)."""
    from psycopg import _queries

    def post(phone: str) -> None:
        response = client.post("/api/v1/leads", {**LEAD, "phone": phone}, "application/json")
        assert response.status_code == 201

    post("+7 916 123-45-67")
    before = _queries._query2pg.cache_info()
    post("+7 916 765-43-21")
    after = _queries._query2pg.cache_info()
    assert after.misses == before.misses and after.hits > before.hits
