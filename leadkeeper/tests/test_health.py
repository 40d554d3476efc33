"""/healthz reports a database that cannot take writes: read-only, or out of room."""

from contextlib import contextmanager

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def read_only_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")
        else:
            cursor.execute("SET default_transaction_read_only = on")
    try:
        yield
    finally:
        connection.close()  # the setting lives and dies with the connection


def test_healthz_is_200_when_the_database_reads_and_writes(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["writable"] is True


def test_a_read_only_database_is_reported_unavailable(client):
    with read_only_database():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["writable"] is False
    assert response.json()["database"] == "read-only or full"


def test_low_free_disk_space_is_reported_before_writes_fail(client, settings):
    if connection.vendor != "sqlite":
        pytest.skip("disk space is measured where the SQLite file lives")
    settings.HEALTH_MIN_FREE_BYTES = 2**62
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["disk"] == "low"
