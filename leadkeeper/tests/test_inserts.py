"""insert_row: one new row stored exactly as `save()` would store it, in one statement."""

import uuid
from datetime import UTC, datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from encrypted_fields.fields import EncryptedFieldMixin

from audit.models import AuditEvent
from capture.models import Lead
from consent.models import ConsentRecord
from crm.models import OutboxMessage
from leadkeeper.inserts import (
    Later,
    Returned,
    Statement,
    insert_row,
    insert_together,
    prepare_row,
)
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


# insert_together: steps that read what earlier ones return (the lead path, issue 9).


def _subject_statement(phone_index: str) -> Statement:
    table = connection.ops.quote_name(Subject._meta.db_table)
    return Statement(
        sql=f"INSERT INTO {table} (phone_index, email_index, created_at, last_interaction_at) "  # noqa: S608
        "VALUES (%s, '', %s, %s) RETURNING id, phone_index",
        params=[phone_index, *[connection.ops.adapt_datetimefield_value(AT)] * 2],
        returning=("id", "phone_index"),
    )


def _steps() -> dict:
    return {
        "subject": _subject_statement("t" * 64),
        "lead": Later(prepare_row(_lead(), later=("subject",)), {"subject": Returned("subject")}),
        "event": Later(
            prepare_row(
                AuditEvent(actor="visitor", action="lead.captured", object_type="capture.lead"),
                later=("subject_id", "object_id", "data"),
            ),
            {
                "subject_id": Returned("subject"),
                "object_id": Returned("lead"),  # a CharField: the id's text
                "data": {"lead": Returned("lead"), "channel": "api", "n": [1, "два"]},
            },
        ),
        "outbox": Later(
            prepare_row(OutboxMessage(kind=OutboxMessage.Kind.CRM_LEAD), later=("ref",)),
            {"ref": Returned("lead")},
        ),
    }


def test_steps_inserted_together_read_what_earlier_steps_return():
    steps = _steps()
    returned = insert_together(steps)
    subject = Subject.objects.get(pk=returned["subject"]["id"])
    assert returned["subject"]["phone_index"] == "t" * 64
    lead = Lead.objects.get(pk=returned["lead"]["id"])
    assert lead.subject_id == subject.pk and lead.phone == "+79161234567"
    event = AuditEvent.objects.get(pk=returned["event"]["id"])
    assert (event.subject_id, event.object_id) == (subject.pk, str(lead.pk))
    assert event.data == {"lead": lead.pk, "channel": "api", "n": [1, "два"]}
    assert OutboxMessage.objects.get(pk=returned["outbox"]["id"]).ref == lead.pk
    # The prepared rows come back as after insert(): stored, with their later fields set.
    stored_event = steps["event"].prepared.row
    assert (stored_event.pk, stored_event.object_id, stored_event.data) == (
        event.pk,
        str(lead.pk),
        event.data,
    )
    stored_lead = steps["lead"].prepared.row
    assert stored_lead.subject_id == subject.pk and not stored_lead._state.adding


def test_postgresql_runs_the_steps_as_one_statement_sqlite_one_by_one():
    with CaptureQueriesContext(connection) as queries:
        insert_together(_steps())
    kinds = [q["sql"].split()[0] for q in queries.captured_queries]
    assert kinds == (["WITH"] if connection.vendor == "postgresql" else ["INSERT"] * 4)


def test_known_values_stand_beside_returned_ones():
    subject = Subject.objects.create(phone_index="k" * 64)
    returned = insert_together(
        {
            "lead": Later(prepare_row(_lead(), later=("subject",)), {"subject": subject}),
            "outbox": Later(
                prepare_row(OutboxMessage(kind=OutboxMessage.Kind.CRM_LEAD), later=("ref",)),
                {"ref": Returned("lead")},
            ),
        }
    )
    assert Lead.objects.get(pk=returned["lead"]["id"]).subject_id == subject.pk


def test_a_failing_step_leaves_none_of_them():
    steps = _steps()
    steps["broken"] = Statement(
        sql="INSERT INTO no_such_table (x) VALUES (%s) RETURNING x", params=[1], returning=("x",)
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        insert_together(steps)
    assert not Subject.objects.filter(phone_index="t" * 64).exists()
    assert (Lead.objects.count(), AuditEvent.objects.count(), OutboxMessage.objects.count()) == (
        0,
        0,
        0,
    )
