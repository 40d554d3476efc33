"""insert_row: one new row stored exactly as `save()` would store it, in one statement."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from encrypted_fields.fields import EncryptedFieldMixin

from audit.models import AuditEvent
from capture.models import Lead
from consent.models import ConsentRecord
from crm.models import OutboxMessage
from leadkeeper.inserts import insert_row, prepare_row
from subjects.models import Subject

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


def _lead(**fields) -> Lead:
    return Lead(
        retention_from=AT,
        created_at=AT,
        channel=Lead.Channel.API,
        name="Анна Петрова",
        phone="+79161234567",
        email="anna@example.com",
        message="",  # empty encrypted text is stored as NULL, as by save()
        phone_index="p" * 64,
        utm_source="google",
        **fields,
    )


def _stored_columns(model, pk: int) -> dict:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])  # noqa: S608
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_a_row_reads_back_as_the_same_row_save_writes():
    by_orm, by_insert = _lead(), _lead()
    by_orm.save()
    insert_row(by_insert)
    assert by_insert.pk and by_insert.pk != by_orm.pk
    assert not by_insert._state.adding
    orm_row = _stored_columns(Lead, by_orm.pk)
    insert_row_row = _stored_columns(Lead, by_insert.pk)
    ciphertexts = {"name", "phone", "email"}  # Fernet: a fresh IV each time
    for column, value in orm_row.items():
        if column not in ciphertexts | {"id"}:
            assert insert_row_row[column] == value, column
    assert insert_row_row["message"] is None and orm_row["message"] is None
    stored = Lead.objects.get(pk=by_insert.pk)
    assert (stored.name, stored.phone, stored.email) == (
        "Анна Петрова",
        "+79161234567",
        "anna@example.com",
    )
    assert stored.created_at == AT


def test_personal_fields_are_stored_encrypted():
    lead = insert_row(_lead())
    row = _stored_columns(Lead, lead.pk)
    assert "+79161234567" not in str(row["phone"]) and row["phone"].startswith("gAAAAA")
    assert "Анна" not in str(row["name"])


def test_defaults_and_json_are_applied_as_by_the_orm():
    event = insert_row(AuditEvent(actor="visitor", action="lead.captured", data={"n": [1, "два"]}))
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.data == {"n": [1, "два"]}
    assert stored.at is not None and stored.seq is None
    message = insert_row(OutboxMessage(kind=OutboxMessage.Kind.CRM_LEAD, ref=7))
    assert OutboxMessage.objects.filter(pk=message.pk, ref=7).exists()


def test_one_statement_per_row():
    with CaptureQueriesContext(connection) as queries:
        insert_row(_lead())
    (query,) = queries.captured_queries
    assert query["sql"].startswith("INSERT INTO") and "RETURNING" in query["sql"]


def test_a_stored_row_or_an_expression_is_refused():
    lead = insert_row(_lead())
    with pytest.raises(ValueError, match="already stored"):
        insert_row(lead)
    with pytest.raises(TypeError, match="expression"):
        insert_row(OutboxMessage(kind=OutboxMessage.Kind.CRM_LEAD, ref=F("id")))


def test_a_row_prepared_before_the_transaction_takes_its_keys_inside_it():
    """The lead path builds its rows first; inside the transaction only statements run."""
    with CaptureQueriesContext(connection) as before:
        prepared = prepare_row(_lead(), later=("subject",))
    assert before.captured_queries == []  # encryption and parameters: no database
    subject = Subject.objects.create(phone_index="s" * 64)
    with pytest.raises(TypeError, match="subject"):
        prepared.insert()
    lead = prepared.insert(subject=subject)
    stored = Lead.objects.get(pk=lead.pk)
    assert stored.subject_id == subject.pk and stored.phone == "+79161234567"


def test_values_passed_as_they_are_are_the_parameters_the_orm_computes():
    """The fast path for plain columns (str, int, bool, aware datetimes, integer keys) gives
    what `pre_save` + `get_db_prep_save` give, on either database; other values (a bool in
    an integer column, JSON, UUIDs) and the encrypted fields still take the ORM's way."""
    rows = [
        _lead(subject_id=42, ip_address="203.0.113.7", utm_medium=None, kommo_lead_id=9),
        AuditEvent(actor="visitor", action="lead.captured", subject_id=42, data={"a": [1]}),
        OutboxMessage(kind=OutboxMessage.Kind.CRM_LEAD, ref=7, attempts=True),
        ConsentRecord(
            retention_from=AT,
            created_at=AT,
            consent_id=uuid.uuid4(),
            kind=ConsentRecord.Kind.FORM,
            action=ConsentRecord.Action.GRANT,
            categories={"contact_form": True},
            text_id=3,
            policy_version=2,
            subject_id=42,
            lead_id=5,
        ),
    ]
    for row in rows:
        fields = [f for f in row._meta.local_concrete_fields if f is not row._meta.auto_field]
        expected = [f.get_db_prep_save(f.pre_save(row, add=True), connection) for f in fields]
        prepared = prepare_row(row).params
        for field, got, want in zip(fields, prepared, expected, strict=True):
            if isinstance(field, EncryptedFieldMixin):
                continue  # Fernet: a fresh IV each time (stored alike: the first test)
            got, want = getattr(got, "obj", got), getattr(want, "obj", want)  # psycopg's Jsonb
            assert (got, type(got)) == (want, type(want)), f"{row._meta.label}.{field.name}"
