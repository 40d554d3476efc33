"""New rows inserted through a statement built once per model (the lead path, issue 9).

`Model.objects.create()` compiles its INSERT on every call: it quotes every column, walks
every field twice and fires pre_save/post_save. For a lead that is four tables and about
half of the transaction's time. Here the statement is built once per model, and a row's
parameters are computed the way the ORM computes them (`pre_save`, then
`get_db_prep_save`: defaults, encryption, JSON and datetime adaptation all apply), then
one `INSERT .. RETURNING id` runs (PostgreSQL, SQLite >= 3.35).

`prepare_row` computes the parameters before the transaction begins, leaving out only the
foreign keys that are not known yet (`later`); `PreparedRow.insert()` fills them and runs
the statement. On SQLite, whose one writer lock is held from BEGIN to COMMIT, a lead's
encryption and row building then happen while other processes write.

What it leaves out, on purpose: model signals (the house sends none; a service shows what
it causes, STYLE.md), `save()` overrides, multi-table inheritance and expressions as
values. A model or value it cannot insert as the ORM would is refused.
"""

from dataclasses import dataclass
from functools import cache
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
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


def _parameter(field: Field, row: Model, db) -> object:
    value = field.pre_save(row, add=True)
    if hasattr(value, "resolve_expression"):
        raise TypeError(f"{row._meta.label}.{field.name}: an expression needs save()")
    return field.get_db_prep_save(value, db)


@dataclass
class PreparedRow(Generic[M]):
    """A new row with its INSERT's parameters computed, waiting for the `later` keys."""

    row: M
    statement: _Statement
    params: list
    later: dict[str, int]  # field name -> its parameter's position

    def insert(self, **later: object) -> M:
        """Set the fields left for later, run the INSERT and set the row's id."""
        if set(later) != set(self.later):
            raise TypeError(f"{self.row._meta.label}: insert() takes {sorted(self.later)}")
        db = connections[DEFAULT_DB_ALIAS]
        for name, target in later.items():
            setattr(self.row, name, target)
            position = self.later[name]
            self.params[position] = _parameter(self.statement.fields[position], self.row, db)
        with db.cursor() as cursor:
            cursor.execute(self.statement.sql, self.params)
            self.row.pk = cursor.fetchone()[0]
        self.row._state.adding = False
        self.row._state.db = db.alias
        return self.row


def prepare_row(row: M, *, later: tuple[str, ...] = ()) -> PreparedRow[M]:
    """Compute a new row's parameters now; the fields named in `later` (foreign keys, or
    anything known only inside the transaction) come at insert()."""
    if row.pk is not None:
        raise ValueError(f"{row._meta.label} {row.pk} is already stored")
    db = connections[DEFAULT_DB_ALIAS]
    statement = _statement(type(row), db.vendor)
    positions = {}
    for name in later:
        field = row._meta.get_field(name)
        positions[name] = statement.fields.index(field)
    params = [
        None if i in positions.values() else _parameter(field, row, db)
        for i, field in enumerate(statement.fields)
    ]
    return PreparedRow(row=row, statement=statement, params=params, later=positions)


def insert_row(row: M) -> M:
    """INSERT this new instance and set its id; the instance is then as after `save()`."""
    return prepare_row(row).insert()
