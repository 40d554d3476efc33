"""One new row, inserted through a statement built once per model (the lead path, issue 9).

`Model.objects.create()` compiles its INSERT on every call: it quotes every column, walks
every field twice and fires pre_save/post_save. For a lead that is four tables and
about half of the transaction's time, spent while SQLite's writer lock is held. Here the
statement is built once per model; each call only turns the instance's fields into
parameters the same way the ORM does (`pre_save`, then `get_db_prep_save`: defaults,
encryption, JSON and datetime adaptation all apply) and runs one
`INSERT .. RETURNING id` (PostgreSQL, SQLite >= 3.35).

What it leaves out, on purpose: model signals (the house sends none; a service shows what
it causes, STYLE.md), `save()` overrides, multi-table inheritance and expressions as
values. `insert_row` refuses a model or value it cannot insert as the ORM would.
"""

from dataclasses import dataclass
from functools import cache
from typing import TypeVar

from django.db import connection
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Statement:
    sql: str
    fields: tuple[Field, ...]


@cache
def _statement(model: type[Model], vendor: str) -> _Statement:
    meta = model._meta
    if meta.parents or meta.proxy:
        raise TypeError(f"{meta.label}: insert_row takes a model with a table of its own")
    fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
    if any(f.generated or f.has_db_default() for f in fields):
        raise TypeError(f"{meta.label}: a generated or database-default column needs save()")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({values}) "  # noqa: S608
        f"RETURNING {quote(meta.pk.column)}"
    )
    return _Statement(sql=sql, fields=fields)


def insert_row(row: M) -> M:
    """INSERT this new instance and set its id; the instance is then as after `save()`."""
    if row.pk is not None:
        raise ValueError(f"{row._meta.label} {row.pk} is already stored")
    statement = _statement(type(row), connection.vendor)
    params = []
    for field in statement.fields:
        value = field.pre_save(row, add=True)
        if hasattr(value, "resolve_expression"):
            raise TypeError(f"{row._meta.label}.{field.name}: an expression needs save()")
        params.append(field.get_db_prep_save(value, connection))
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, params)
        row.pk = cursor.fetchone()[0]
    row._state.adding = False
    row._state.db = connection.alias
    return row
