"""The database failing in the middle of a lead's transaction (issue 14, item 7).

The failure is the engine's own, not a raised stand-in: a connection hook lets the lead's
subject, lead, consent record and audit event be written, then, just before the outbox row,
- PostgreSQL: another connection ends our backend with `pg_terminate_backend` (a server
  restart, an operator, a failover), so the next statement finds the connection dead;
- SQLite: the database turns read-only under the open transaction (`PRAGMA query_only`,
  as a remount read-only or a file made unwritable does), so the write is refused.
The visitor gets a clear 503 and nothing of the lead remains (capture_lead is one
transaction: DESIGN flow 2).
"""

import json
import re
from contextlib import contextmanager
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.utils import timezone

from .postgres import end_backend

pytestmark = pytest.mark.django_db(transaction=True)

LEAD = {
    "name": "Ivan Petrov",
    "phone": "+7 916 123-45-67",
    "email": "ivan.petrov@example.com",
    "consent": True,
}
LEAD_ROWS = (
    "capture.Lead",
    "subjects.Subject",
    "consent.ConsentRecord",
    "audit.AuditEvent",
    "crm.OutboxMessage",
)


@contextmanager
def database_fails_before_the_outbox_row():
    """Break the database inside the lead's transaction as the outbox row's INSERT goes (on
    SQLite after the lead's other rows were written; on PostgreSQL, where the lead is one
    statement, as that statement goes); yields what happened."""
    seen: list[str] = []

    def hook(execute, sql, params, many, context):
        if 'INSERT INTO "CRM_OUTBOXMESSAGE"' in sql.upper() and not seen:
            seen.append(sql)
            conn = context["connection"]
            assert conn.in_atomic_block, "the outbox row is written inside the lead's transaction"
            if conn.vendor == "postgresql":
                end_backend(conn)
            else:
                conn.connection.execute("PRAGMA query_only = ON")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(hook):
        yield seen
    if connection.vendor == "sqlite" and connection.connection is not None:
        connection.connection.execute("PRAGMA query_only = OFF")


def _stored() -> dict[str, int]:
    return {name: apps.get_model(name)._default_manager.count() for name in LEAD_ROWS}


def test_the_api_answers_503_and_keeps_nothing_when_the_database_dies_mid_lead(client):
    with database_fails_before_the_outbox_row() as failed:
        response = client.post("/api/v1/leads", json.dumps(LEAD), content_type="application/json")
    assert failed, "the failure was injected inside the lead's transaction"
    assert response.status_code == 503
    assert "nothing was stored" in response.json()["detail"]
    assert response["Retry-After"] == "30"
    # Subject, lead, consent record and audit event had been written: all rolled back.
    assert _stored() == dict.fromkeys(LEAD_ROWS, 0)
    # The next request reconnects and stores the lead whole.
    response = client.post("/api/v1/leads", json.dumps(LEAD), content_type="application/json")
    assert response.status_code == 201, response.content
    stored = _stored()
    assert stored["capture.Lead"] == stored["consent.ConsentRecord"] == 1
    assert stored["crm.OutboxMessage"] >= 1 and stored["audit.AuditEvent"] >= 1


def test_the_form_answers_503_and_keeps_nothing_when_the_database_dies_mid_lead(client):
    page = client.get("/").content.decode()
    rendered_at = re.search(r'name="rendered_at" value="([^"]+)"', page).group(1)
    data = {**LEAD, "consent": "on", "website": "", "rendered_at": rendered_at}
    later = timezone.now() + timedelta(minutes=2)  # a person's fill time
    with time_machine.travel(later, tick=False), database_fails_before_the_outbox_row() as failed:
        response = client.post("/contact/", data)
    assert failed
    assert response.status_code == 503
    assert b"othing was stored" in response.content  # the form's and the guard's wording
    assert _stored() == dict.fromkeys(LEAD_ROWS, 0)
    assert client.get("/healthz").status_code == 200
