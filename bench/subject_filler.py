"""Set-based filler for bench/rights_subject.py: N people, each a subject with one lead.

Made by one `INSERT ... SELECT` per table over a series generated in the database (a
recursive CTE on SQLite, generate_series on PostgreSQL), copying one prototype row captured
by the real `capture_lead`: its ciphertexts are reused, nothing is encrypted per row.
"""

import datetime


def _series(vendor: str, count: int) -> tuple[str, str]:
    """(WITH clause, FROM item) producing rows n = 0 .. count-1 inside the database."""
    if vendor == "sqlite":
        return (
            f"WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq "  # noqa: S608
            f"WHERE n < {count - 1}) ",
            "seq",
        )
    return "", f"generate_series(0::bigint, {count - 1}) AS seq(n)"


def _moment(vendor: str, start_epoch: int, step: float) -> str:
    """The n-th row's timestamp, spread evenly from the start (a column's storage form)."""
    if vendor == "sqlite":
        return f"strftime('%Y-%m-%d %H:%M:%f', {start_epoch} + n * {step}, 'unixepoch')"
    return f"to_timestamp({start_epoch} + n * {step})"


def _copy_rows(model, prototype_pk: int, count: int, exprs: dict[str, str]) -> None:
    """INSERT ... SELECT `count` copies of one row, with `exprs` (SQL over n) per column."""
    from django.db import connection

    vendor, quote = connection.vendor, connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.column in exprs]
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(exprs.get(f.column, f"p.{quote(f.column)}") for f in fields)
    with_clause, series = _series(vendor, count)
    table = quote(model._meta.db_table)
    sql = (
        f"{with_clause}INSERT INTO {table} ({columns}) "  # noqa: S608 (bench's own literals)
        f"SELECT {values} FROM {series}, {table} p WHERE p.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [prototype_pk])


def insert_filler(leads: int, start: datetime.datetime, seconds: int) -> None:
    """N other people, each a subject with one lead, copied from one captured prototype."""
    from django.db import connection

    from capture.models import Lead
    from capture.services import capture_lead
    from capture.tests.factories import lead_data, request_context
    from subjects.models import Subject

    if leads <= 0:
        return
    vendor = connection.vendor
    proto = capture_lead(
        data=lead_data(phone="+79990000000", email="prototype@example.org"),
        context=request_context(),
        channel=Lead.Channel.WEB_FORM,
    )
    first = Subject.objects.order_by("-pk").values_list("pk", flat=True).first() + 1
    at = _moment(vendor, int(start.timestamp()), seconds / leads)
    _copy_rows(
        Subject,
        proto.subject_id,
        leads,
        {
            "id": f"{first} + n",
            "phone_index": "'fill-p' || n",
            "email_index": "'fill-e' || n",
            "created_at": at,
            "last_interaction_at": at,
        },
    )
    _copy_rows(
        Lead,
        proto.pk,
        leads,
        {
            "subject_id": f"{first} + n",
            "phone_index": "'fill-p' || n",
            "email_index": "'fill-e' || n",
            "created_at": at,
            "retention_from": at,
        },
    )
    if vendor == "postgresql":  # the explicit ids above ran past the sequence
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('capture_subject', 'id'), "
                "(SELECT max(id) FROM capture_subject))"
            )
