"""The database unreachable: the form and the API answer 503 and nothing is half-written."""

import json
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

LEAD = {
    "name": "Ivan Petrov",
    "phone": "+7 916 123-45-67",
    "email": "ivan.petrov@example.com",
    "consent": True,
}


@contextmanager
def database_unreachable():
    """Point the connection at a database that is not there (a real connect failure)."""
    original = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-folder/leadkeeper.sqlite3"
    else:
        connection.settings_dict.update(HOST="127.0.0.1", PORT="9")  # discard: refused
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(original)


def _stored() -> dict[str, int]:
    names = ("capture.Lead", "subjects.Subject", "consent.ConsentRecord", "crm.OutboxMessage")
    return {name: apps.get_model(name)._default_manager.count() for name in names}


def test_the_api_answers_503_with_a_clear_message_when_the_database_is_down(client):
    with database_unreachable():
        response = client.post("/api/v1/leads", json.dumps(LEAD), content_type="application/json")
    assert response.status_code == 503
    assert "nothing was stored" in response.json()["detail"]
    assert response["Retry-After"] == "30"
    assert set(_stored().values()) == {0}


def test_the_form_answers_a_503_page_when_the_database_is_down(client):
    # A person's form: the page's signed render time, sent two minutes later (fill-time check).
    page = client.get("/").content.decode()
    rendered_at = re.search(r'name="rendered_at" value="([^"]+)"', page).group(1)
    data = {**LEAD, "consent": "on", "website": "", "rendered_at": rendered_at}
    later = timezone.now() + timedelta(minutes=2)
    with time_machine.travel(later, tick=False), database_unreachable():
        response = client.post("/contact/", data)
    assert response.status_code == 503
    assert b"nothing was stored" in response.content
    assert set(_stored().values()) == {0}
    # Back up: the same visitor's retry goes through (the 503 left no lock or row behind).
    assert client.get("/healthz").status_code == 200


def test_healthz_says_unreachable_without_the_database(client):
    with database_unreachable():
        response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["database"] == "unreachable"
