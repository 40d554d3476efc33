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

`insert_together()` runs several such rows, and statements of other apps (the subject's
upsert, the rate-limit count), as steps that read what earlier steps return: on PostgreSQL
as one data-modifying WITH (a lead's six INSERTs in one statement), elsewhere one by one.

What it leaves out, on purpose: model signals (the house sends none; a service shows what
it causes, STYLE.md), `save()` overrides, multi-table inheritance and expressions as
values. A model or value it cannot insert as the ORM would is refused.
"""

from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)

# Fields whose `get_db_prep_save` of a value of exactly this type is the value itself, or
# the database operations' adaptation of it (integers: PostgreSQL's typed Int2/4/8;
# datetimes: SQLite's text): the row's value becomes the parameter without the walk
# through the field's methods. Subclasses (the encrypted fields) and values of any other
# type take the ORM's way.
_AS_IS = {models.CharField: str, models.TextField: str, models.BooleanField: bool}
_INTEGERS = (
    models.IntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.PositiveBigIntegerField,
)
_INTEGER_KEYS = (models.AutoField, models.BigAutoField)


@dataclass(frozen=True)
class _Shortcut:
    type: type
    adapt: str = ""  # "" (the value itself), "integer" or "datetime"
    internal_type: str = ""


def _shortcut(field: Field) -> _Shortcut | None:
    kind = type(field)
    if kind in _AS_IS:
        return _Shortcut(_AS_IS[kind])
    if kind in _INTEGERS:
        return _Shortcut(int, "integer", field.get_internal_type())
    if kind is models.ForeignKey and type(field.target_field) in _INTEGER_KEYS:
        return _Shortcut(int)  # an auto key's prep value is the int itself
    if kind is models.DateTimeField and not (field.auto_now or field.auto_now_add):
        return _Shortcut(datetime, "datetime")
    return None


@dataclass(frozen=True)
class _Statement:
    sql: str
    fields: tuple[Field, ...]
    shortcuts: tuple[_Shortcut | None, ...]
    into: str  # "INSERT INTO t (columns)", for a chain's VALUES of its own (insert_together)


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
    into = f"INSERT INTO {quote(meta.db_table)} ({columns})"
    values = ", ".join(["%s"] * len(fields))
    sql = f"{into} VALUES ({values}) RETURNING {quote(meta.pk.column)}"
    return _Statement(
        sql=sql, fields=fields, shortcuts=tuple(_shortcut(f) for f in fields), into=into
    )


@cache
def _positions(
    model: type[Model], vendor: str, later: tuple[str, ...]
) -> tuple[tuple[str, int], ...]:
    fields = _statement(model, vendor).fields
    return tuple((name, fields.index(model._meta.get_field(name))) for name in later)


def _parameter(field: Field, row: Model, db, shortcut: _Shortcut | None = None) -> object:
    """The parameter `save()` sends for this field: `pre_save`, then `get_db_prep_save`,
    or the same reached by a shortcut for plain values (a lead has 30 columns, and the walk
    through every field's methods was a tenth of its time; issue 9)."""
    if shortcut is not None:
        value = getattr(row, field.attname)
        if value is None:
            return None
        if type(value) is shortcut.type:
            if not shortcut.adapt:
                return value
            if shortcut.adapt == "integer":
                return db.ops.adapt_integerfield_value(value, shortcut.internal_type)
            if value.tzinfo is not None:  # a naive one goes the ORM's way, warning included
                return db.ops.adapt_datetimefield_value(value)
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
            _set_later(self.row, name, target)
            position = self.later[name]
            statement = self.statement
            self.params[position] = _parameter(
                statement.fields[position], self.row, db, statement.shortcuts[position]
            )
        with db.cursor() as cursor:
            cursor.execute(self.statement.sql, self.params)
            self.row.pk = cursor.fetchone()[0]
        self.row._state.adding = False
        self.row._state.db = db.alias
        return self.row


def _set_later(row: Model, name: str, value: object) -> None:
    """A `later` field's value: a foreign key takes its row or its id; a field a chain
    fills with a returned id takes what the database stores (the id's text in a CharField)."""
    field = row._meta.get_field(name)
    if field.is_relation and not isinstance(value, Model):
        setattr(row, field.attname, value)
    elif not field.is_relation and not isinstance(value, dict):
        setattr(row, name, field.to_python(value))
    else:
        setattr(row, name, value)


def prepare_row(row: M, *, later: tuple[str, ...] = ()) -> PreparedRow[M]:
    """Compute a new row's parameters now; the fields named in `later` (foreign keys, or
    anything known only inside the transaction) come at insert()."""
    if row.pk is not None:
        raise ValueError(f"{row._meta.label} {row.pk} is already stored")
    db = connections[DEFAULT_DB_ALIAS]
    statement = _statement(type(row), db.vendor)
    positions = dict(_positions(type(row), db.vendor, later))
    params = [
        None if i in positions.values() else _parameter(field, row, db, shortcut)
        for i, (field, shortcut) in enumerate(
            zip(statement.fields, statement.shortcuts, strict=True)
        )
    ]
    return PreparedRow(row=row, statement=statement, params=params, later=positions)


def insert_row(row: M) -> M:
    """INSERT this new instance and set its id; the instance is then as after `save()`."""
    return prepare_row(row).insert()


# --- Statements that run together (the lead path, issue 9) ---------------------------------


@dataclass(frozen=True)
class Returned:
    """In a row's `later` field: a value an earlier step of the same insert_together()
    returns (its `id` unless named). Inside a JSON field's dict it becomes that key's value."""

    step: str
    column: str = "id"


@dataclass(frozen=True)
class Statement:
    """A data-modifying statement of one row, `... RETURNING` the columns named."""

    sql: str
    params: list
    returning: tuple[str, ...]


@dataclass(frozen=True)
class Later(Generic[M]):
    """A prepared row and the values of its `later` fields (Returned or known)."""

    prepared: PreparedRow[M]
    values: dict[str, object]


def insert_together(steps: dict[str, Statement | Later]) -> dict[str, dict[str, object]]:
    """Run the steps in order, each able to use what the earlier ones return; the columns
    each step returned, by step. Prepared rows come back stored, as after insert().

    PostgreSQL runs them as one statement, a data-modifying WITH whose steps read each
    other's RETURNING (`(SELECT id FROM lead)`); one round trip and one statement's work
    where a lead took six (issue 9). Elsewhere (SQLite) they run one by one. Either way
    they belong to the caller's transaction, and if one fails none is stored.
    """
    if connection.vendor == "postgresql":
        return _insert_as_one(steps)
    returned: dict[str, dict[str, object]] = {}
    for name, step in steps.items():
        if isinstance(step, Statement):
            with connection.cursor() as cursor:
                cursor.execute(step.sql, step.params)
                returned[name] = dict(zip(step.returning, cursor.fetchone(), strict=True))
        else:
            values = {k: _resolve(v, returned) for k, v in step.values.items()}
            returned[name] = {"id": step.prepared.insert(**values).pk}
    return returned


def _resolve(value: object, returned: dict[str, dict[str, object]]) -> object:
    if isinstance(value, Returned):
        return returned[value.step][value.column]
    if isinstance(value, dict):
        return {k: _resolve(v, returned) for k, v in value.items()}
    return value


def _insert_as_one(steps: dict[str, Statement | Later]) -> dict[str, dict[str, object]]:
    shape = tuple(_shape(name, step) for name, step in steps.items())
    sql, columns = _composed(shape)
    params: list = []
    for step in steps.values():
        params.extend(step.params if isinstance(step, Statement) else _params_of(step))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # a step that returned no row (each must return one)
        raise ValueError(f"insert_together: a step of {sorted(steps)} returned no row")
    returned: dict[str, dict[str, object]] = {name: {} for name in steps}
    for (name, column), value in zip(columns, row, strict=True):
        returned[name][column] = value
    for name, step in steps.items():
        if isinstance(step, Later):
            row = step.prepared.row
            for field_name, value in step.values.items():
                _set_later(row, field_name, _resolve(value, returned))
            row.pk = returned[name]["id"]
            row._state.adding = False
            row._state.db = DEFAULT_DB_ALIAS
    return returned


# A step's shape: what its SQL depends on (not its values), so the WITH of a lead is built
# once per process, and psycopg, asked the same statement again, reuses its parse.
def _shape(name: str, step: Statement | Later) -> tuple:
    if isinstance(step, Statement):
        return (name, step.sql, step.returning)
    prepared = step.prepared
    if set(step.values) != set(prepared.later):
        raise TypeError(f"{prepared.row._meta.label}: takes {sorted(prepared.later)}")
    values = tuple(
        (position, _value_shape(step.values[field_name]))
        for field_name, position in sorted(prepared.later.items(), key=lambda item: item[1])
    )
    return (name, type(prepared.row), values)


def _value_shape(value: object) -> tuple:
    if isinstance(value, Returned):
        return ("returned", value.step, value.column)
    if isinstance(value, dict) and any(isinstance(v, Returned) for v in value.values()):
        return (
            "json",
            *((k, v.step, v.column) for k, v in value.items() if isinstance(v, Returned)),
        )
    return ("known",)


@lru_cache(maxsize=64)
def _composed(shape: tuple) -> tuple[str, tuple[tuple[str, str], ...]]:
    quote = connection.ops.quote_name
    parts, columns = [], []
    for name, what, extra in shape:
        if isinstance(what, str):  # a Statement: its SQL and the columns it returns
            sql, returning = what, extra
        else:
            sql, returning = _values_sql(_statement(what, connection.vendor), dict(extra)), ("id",)
        parts.append(f"{quote(name)} AS ({sql})")
        columns.extend((name, column) for column in returning)
    selected = ", ".join(f"{quote(name)}.{quote(column)}" for name, column in columns)
    sources = ", ".join(quote(name) for name, _, _ in shape)
    return f"WITH {', '.join(parts)} SELECT {selected} FROM {sources}", tuple(columns)  # noqa: S608


def _values_sql(statement: _Statement, later: dict[int, tuple]) -> str:
    """The row's INSERT with each `later` field read from the step that returns it."""
    values = []
    for position, field in enumerate(statement.fields):
        kind = later.get(position, ("known",))
        if kind[0] == "returned":
            cast = "::text" if field.get_internal_type() in {"CharField", "TextField"} else ""
            values.append(_read(kind[1], kind[2], cast))
        elif kind[0] == "json":  # the known part as the field stores it, the ids added
            added = "".join(
                f" || jsonb_build_object(%s::text, {_read(step, column)})"
                for _key, step, column in kind[1:]
            )
            values.append(f"%s::jsonb{added}")
        else:
            values.append("%s")
    pk = connection.ops.quote_name(statement.fields[0].model._meta.pk.column)
    return f"{statement.into} VALUES ({', '.join(values)}) RETURNING {pk} AS id"


def _params_of(step: Later) -> list:
    """The parameters _values_sql()'s statement takes, in its order."""
    prepared = step.prepared
    db = connections[DEFAULT_DB_ALIAS]
    later_at = {position: name for name, position in prepared.later.items()}
    params = []
    for position, param in enumerate(prepared.params):
        if position not in later_at:
            params.append(param)
            continue
        field = prepared.statement.fields[position]
        value = step.values[later_at[position]]
        if isinstance(value, Returned):
            continue
        if isinstance(value, dict) and any(isinstance(v, Returned) for v in value.values()):
            known = {k: v for k, v in value.items() if not isinstance(v, Returned)}
            params.append(field.get_db_prep_save(known, db))
            params.extend(k for k, v in value.items() if isinstance(v, Returned))
            continue
        _set_later(prepared.row, field.name, value)
        params.append(_parameter(field, prepared.row, db))
    return params


def _read(step: str, column: str, cast: str = "") -> str:
    quote = connection.ops.quote_name
    return f"(SELECT {quote(column)}{cast} FROM {quote(step)})"  # noqa: S608
