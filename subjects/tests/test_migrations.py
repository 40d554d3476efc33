"""The move of Subject from capture to subjects keeps existing databases' rows."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from subjects.models import Subject

BEFORE_THE_MOVE = [("subjects", None)]


def _migrate(targets: list[tuple[str, str | None]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor.migrate(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_move_keeps_its_subjects_and_their_permissions():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate(BEFORE_THE_MOVE)
    try:
        ContentType = old.get_model("contenttypes", "ContentType")
        ContentType.objects.filter(model="subject").delete()
        old_type = ContentType.objects.create(app_label="capture", model="subject")
        row = old.get_model("capture", "Subject").objects.create(phone_index="p", email_index="e")
        lead = old.get_model("capture", "Lead").objects.create(
            subject_id=row.pk, channel="api", name="n", phone="+79161234567", phone_index="p"
        )
    finally:
        _migrate(leaves)
    moved = Subject.objects.get(pk=row.pk)
    assert (moved.phone_index, moved.email_index) == ("p", "e")
    assert moved.capture_leads.get().pk == lead.pk
    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    CurrentContentType.objects.clear_cache()
    assert CurrentContentType.objects.get(pk=old_type.pk).app_label == "subjects"
    assert Subject._meta.db_table == "capture_subject"


@pytest.mark.django_db(transaction=True)
def test_subjects_that_shared_a_phone_before_the_unique_index_are_marked_not_lost():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = _migrate([("subjects", "0003_subject_possible_duplicate_of")])
    try:
        OldSubject = old.get_model("subjects", "Subject")
        first = OldSubject.objects.create(phone_index="p", email_index="e")
        double = OldSubject.objects.create(phone_index="p", email_index="f")
    finally:
        _migrate(leaves)
    assert Subject.objects.get(pk=first.pk).phone_index == "p"
    marked = Subject.objects.get(pk=double.pk)
    assert marked.phone_index == "" and marked.possible_duplicate_of_id == first.pk
    assert marked.email_index == "f"


def _indexes(table: str) -> dict[str, dict]:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


@pytest.mark.django_db
def test_the_one_alive_subject_per_phone_index_survives_the_plain_index_migration():
    # On PostgreSQL, AlterField(db_index=False) drops every single-column index on the
    # column, this partial unique index too; 0007 takes it off and puts it back.
    found = _indexes(Subject._meta.db_table)["subject_one_alive_per_phone"]
    assert found["unique"] and found["columns"] == ["phone_index"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "table, plain",
    [
        ("capture_lead", {"lead_phone_index_idx", "lead_email_index_idx"}),
        ("capture_subject", {"subject_phone_index_idx", "subject_email_index_idx"}),
        ("audit_auditevent", {"audit_action_idx"}),
        ("crm_outboxmessage", {"outbox_due_idx"}),
    ],
)
def test_the_lead_path_tables_carry_plain_indexes_and_no_like_index(table, plain):
    # A blind index, an audit action or an outbox state is only ever matched whole; a LIKE
    # index (db_index on PostgreSQL) would cost an index entry per lead for nothing.
    names = _indexes(table)
    assert plain <= set(names)
    assert not [name for name in names if name.endswith("_like")]
