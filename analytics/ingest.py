"""Writing collected events: multi-row INSERTs, built once per process.

Called by the collector's buffer (analytics/buffer.py) with up to a second of a process's
events, or within the request when the buffer is switched off.
"""

import datetime
import logging
import time
from collections import Counter
from functools import cache

from django.db import (
    IntegrityError,
    OperationalError,
    connection,
    transaction,
)
from django.db.models import F

from .models import BotTally, Event

logger = logging.getLogger(__name__)

ROWS_PER_STATEMENT = 100
ATTEMPTS = 5


@cache
def _insert_statement(vendor: str, rows: int) -> tuple[str, tuple]:
    fields = tuple(f for f in Event._meta.concrete_fields if not f.primary_key)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * rows)
    # Only the model's own table and column names are interpolated; values are parameters.
    table = quote(Event._meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES {values}", fields  # noqa: S608


def insert_events(rows: list[dict[str, object]]) -> None:
    """bulk_create without the ORM's per-call compilation or model instances: rows are
    dicts by field attname; multi-row INSERTs are built once per process and size from the
    model's fields; values go through each field's own conversion, so they store exactly
    what bulk_create would. Call inside a transaction
    when there may be more than ROWS_PER_STATEMENT rows."""
    for start in range(0, len(rows), ROWS_PER_STATEMENT):
        chunk = rows[start : start + ROWS_PER_STATEMENT]
        sql, fields = _insert_statement(connection.vendor, len(chunk))
        params = [f.get_db_prep_save(r[f.attname], connection) for r in chunk for f in fields]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def add_bot_hits(day: datetime.date, hits: int) -> None:
    if BotTally.objects.filter(day=day).update(hits=F("hits") + hits):
        return
    try:
        with transaction.atomic():
            BotTally.objects.create(day=day, hits=hits)
    except IntegrityError:
        BotTally.objects.filter(day=day).update(hits=F("hits") + hits)


def write_events(rows: list[dict[str, object]], bots: Counter) -> None:
    """One transaction; a lock that outlasts the busy timeout (or a shared-cache table lock,
    which ignores it) gets four more tries before the error surfaces."""
    # One multi-row INSERT is atomic on its own: without BEGIN/COMMIT around it, SQLite
    # holds its write lock only for the statement, which is what the collector's
    # throughput on SQLite is bound by.
    # On SQLite a transaction is what queues on the writer lock file (leadkeeper/
    # sqlite_backend, issue 9): a writer waits its turn instead of sleeping in the busy
    # handler. PostgreSQL writers do not contend, so there the lone INSERT stays lone.
    single = (
        connection.vendor != "sqlite"
        and not bots
        and len(rows) <= ROWS_PER_STATEMENT
        and not connection.in_atomic_block
    )
    for attempt in range(ATTEMPTS):
        try:
            if single:
                insert_events(rows)
                return
            with transaction.atomic():
                insert_events(rows)
                for day, hits in bots.items():
                    add_bot_hits(day, hits)
            return
        except OperationalError as error:
            if "locked" not in str(error) or attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.02 * 2**attempt)  # 20, 40, 80, 160 ms


def erase_consented_ids(hashes: list[str]) -> int:
    """Blank these consented-id hashes in every stored event; the number of events."""
    return Event.objects.filter(consented_id__in=hashes).update(consented_id="")
