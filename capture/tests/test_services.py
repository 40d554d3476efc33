from datetime import UTC, datetime

import pytest
import time_machine
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django_tasks import default_task_backend

from audit.models import AuditEvent
from capture.errors import LeadRejected
from capture.models import Lead
from capture.services import capture_lead, validate_lead
from consent.models import ConsentRecord
from crm.models import OutboxMessage
from leadkeeper.crypto import blind_index
from subjects.models import Subject

from .factories import lead_data, lead_payload, request_context

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Subject.objects.count(),
        Lead.objects.count(),
        ConsentRecord.objects.count(),
        AuditEvent.objects.count(),
        OutboxMessage.objects.count(),
    )


def test_a_lead_writes_subject_lead_consent_audit_and_outbox_together(
    django_capture_on_commit_callbacks,
):
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lead = capture_lead(data=lead_data(), context=request_context(), channel="web_form")

    assert _counts() == (1, 1, 1, 1, 1)
    lead.refresh_from_db()
    assert lead.phone == "+79161234567"
    assert lead.subject.phone_index == blind_index("+79161234567")
    consent = ConsentRecord.objects.get()
    assert consent.lead == lead and consent.subject == lead.subject
    assert consent.ip_address == "95.31.18.0"  # truncated, not the full address
    assert consent.text.text.startswith("I agree to the processing")
    assert AuditEvent.objects.get().action == "lead.captured"
    message = OutboxMessage.objects.get()
    assert (message.kind, message.ref, message.state) == ("crm.lead", lead.pk, "pending")
    # The outbox row is the queue: no task per lead (the scheduler wakes delivery).
    assert default_task_backend.results == []


def test_a_returning_person_is_the_same_subject_by_phone():
    first = capture_lead(data=lead_data(), context=request_context(), channel="web_form")
    again_by_phone = capture_lead(
        data=lead_data(email=""), context=request_context(), channel="api"
    )
    assert first.subject_id == again_by_phone.subject_id
    assert Subject.objects.count() == 1


def test_the_same_email_with_another_phone_is_a_new_subject_marked_for_the_dpo():
    # Issue 15: anyone can type someone's email; only the phone joins a subject.
    first = capture_lead(data=lead_data(), context=request_context(), channel="web_form")
    by_email = capture_lead(
        data=lead_data(phone="+79031112233"), context=request_context(), channel="api"
    )
    assert by_email.subject_id != first.subject_id
    assert by_email.subject.possible_duplicate_of_id == first.subject_id


def _table_gone(table: str):
    """An execute wrapper under which the database refuses every INSERT into `table` (the
    statement names a table that does not exist): a real failure, wherever it falls."""

    def wrapper(execute, sql, params, many, context):
        return execute(
            sql.replace(f'INSERT INTO "{table}"', f'INSERT INTO "{table}_gone"'),
            params,
            many,
            context,
        )

    return wrapper


@pytest.mark.parametrize("table", [AuditEvent._meta.db_table, OutboxMessage._meta.db_table])
def test_a_failure_halfway_stores_nothing(table):
    # On SQLite the audit event's (or the outbox row's) INSERT fails after the subject, lead
    # and consent record were written; on PostgreSQL the one statement fails whole.
    with connection.execute_wrapper(_table_gone(table)), pytest.raises(DatabaseError):
        capture_lead(data=lead_data(), context=request_context(), channel="web_form")
    assert _counts() == (0, 0, 0, 0, 0)
    capture_lead(data=lead_data(), context=request_context(), channel="web_form")
    assert _counts() == (1, 1, 1, 1, 1)  # the next lead goes through: nothing was left half


def test_direct_identifiers_are_not_stored_in_plaintext():
    capture_lead(
        data=lead_data(message="call me after lunch"),
        context=request_context(),
        channel="web_form",
    )
    table = Lead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (table name from the model)
        raw = " ".join(str(value) for row in cursor.fetchall() for value in row)
    for secret in (
        "+79161234567",
        "9161234567",
        "ivan.petrov@example.com",
        "Ivan Petrov",
        "call me after lunch",
        "95.31.18.119",
    ):
        assert secret not in raw


def test_validation_normalises_every_field():
    data = validate_lead(lead_payload(name="  Ivan   Petrov ", phone="8 (916) 123-45-67"))
    assert data.name == "Ivan Petrov"
    assert data.phone == "+79161234567"
    assert data.email == "ivan.petrov@example.com"
    assert data.attribution["utm_source"] == "google"
    assert data.attribution["utm_medium"] == "cpc"
    assert data.attribution["referrer"] == "https://www.google.com/search"
    # Only attribution parameters survive in the landing page.
    assert data.attribution["landing_page"] == (
        "https://kommoexpert.ru/?utm_source=google&utm_medium=cpc"
    )


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"phone": ""}, "phone"),
        ({"phone": "12345"}, "phone"),
        ({"phone": "not a phone"}, "phone"),
        ({"phone": "+7 916 123"}, "phone"),
        ({"email": "ivan@"}, "email"),
        ({"email": "no-at-sign.example.com"}, "email"),
        ({"message": "x" * 2001}, "message"),
        ({"consent": False}, "consent"),
        ({"consent": ""}, "consent"),
    ],
)
def test_each_bad_input_names_its_field(overrides, field):
    with pytest.raises(LeadRejected) as error:
        validate_lead(lead_payload(**overrides))
    assert field in error.value.errors
    assert all(message for message in error.value.errors[field])


def test_a_returning_lead_restarts_its_subjects_contact_clock():
    with time_machine.travel(datetime(2026, 1, 5, tzinfo=UTC), tick=False):
        first = capture_lead(data=lead_data(), context=request_context(), channel="web_form")
    with time_machine.travel(datetime(2026, 6, 1, tzinfo=UTC), tick=False):
        capture_lead(data=lead_data(email=""), context=request_context(), channel="web_form")
    first.subject.refresh_from_db()
    assert first.subject.last_interaction_at == datetime(2026, 6, 1, tzinfo=UTC)


def test_a_lead_costs_three_statements_on_postgresql_and_eight_on_sqlite(
    django_capture_on_commit_callbacks,
):
    """Issue 9's budget (at most eight, BEGIN and COMMIT included). Inside the test's
    transaction the durable block's BEGIN and COMMIT are a SAVEPOINT and its RELEASE, so
    the count is the same as in production."""
    with django_capture_on_commit_callbacks(execute=True):  # committed: texts memoised
        capture_lead(data=lead_data(), context=request_context(), channel="api")
    with CaptureQueriesContext(connection) as queries:
        capture_lead(
            data=lead_data(email="other@example.com"), context=request_context(), channel="api"
        )
    statements = [q["sql"].split()[0].upper() for q in queries.captured_queries]
    if connection.vendor == "postgresql":  # one WITH of the six (leadkeeper.inserts)
        assert statements == ["SAVEPOINT", "WITH", "RELEASE"], statements
    else:  # subject upsert, lead, consent record, audit event, outbox row, rate-limit count
        assert statements == ["SAVEPOINT", *["INSERT"] * 6, "RELEASE"], statements
