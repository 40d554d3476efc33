"""An in-process ingest buffer: the collector answers 202 at once, a flusher thread writes.

Each web process keeps accepted events in memory and writes them every
ANALYTICS_FLUSH_SECONDS (default 0.5 s) as a few multi-row INSERTs in one transaction, as
Plausible buffers its ingest. On SQLite this turns hundreds of one-row write transactions
per second, all queueing on the single write lock with its sleeping busy handler, into two
per second per process. The price: events of the last half second of a process that is
killed hard (SIGKILL, power loss) are lost; a normal shutdown flushes (atexit). Dropped bot
hits are counted the same way. ANALYTICS_FLUSH_SECONDS = 0 writes within the request.
"""

import atexit
import datetime
import logging
import os
import threading
import time
from collections import Counter
from functools import cache

from django.conf import settings
from django.db import (
    IntegrityError,
    OperationalError,
    close_old_connections,
    connection,
    transaction,
)
from django.db.models import F

from .models import BotTally, Event

logger = logging.getLogger(__name__)

DEFAULT_FLUSH_SECONDS = 0.5
MAX_PENDING = 2000  # past this, the request that adds flushes itself (back-pressure)
ROWS_PER_STATEMENT = 100
ATTEMPTS = 5


def flush_interval() -> float:
    return float(getattr(settings, "ANALYTICS_FLUSH_SECONDS", DEFAULT_FLUSH_SECONDS))


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
    model's fields; values go through each field's own conversion (in the flusher thread,
    off the request), so they store exactly what bulk_create would. Call inside a transaction
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


def _write(rows: list[dict[str, object]], bots: Counter) -> None:
    """One transaction; a lock that outlasts the busy timeout (or a shared-cache table lock,
    which ignores it) gets four more tries before the error surfaces."""
    for attempt in range(ATTEMPTS):
        try:
            with transaction.atomic():
                insert_events(rows)
                for day, hits in bots.items():
                    add_bot_hits(day, hits)
            return
        except OperationalError as error:
            if "locked" not in str(error) or attempt == ATTEMPTS - 1:
                raise
            time.sleep(0.02 * 2**attempt)  # 20, 40, 80, 160 ms


class IngestBuffer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flushing = threading.Lock()
        self._rows: list[dict[str, object]] = []
        self._bots: Counter = Counter()
        self._pid = 0
        self._thread: threading.Thread | None = None

    def add(
        self, rows: list[dict[str, object]], *, bots: tuple[datetime.date, int] | None = None
    ) -> None:
        if flush_interval() <= 0:
            _write(rows, Counter(dict([bots])) if bots else Counter())
            return
        with self._lock:
            self._ensure_flusher()
            self._rows.extend(rows)
            if bots:
                self._bots[bots[0]] += bots[1]
            full = len(self._rows) >= MAX_PENDING
        if full:
            self.flush()

    def flush(self) -> int:
        # One flush at a time, start to commit: the exit-time flush waits for the flusher
        # thread's write in progress instead of exiting under it.
        with self._flushing:
            with self._lock:
                rows, bots = self._rows, self._bots
                self._rows, self._bots = [], Counter()
            if not rows and not bots:
                return 0
            try:
                _write(rows, bots)
            except Exception:
                logger.exception("analytics.buffer.flush_failed", extra={"events": len(rows)})
                return 0
            return len(rows)

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def _ensure_flusher(self) -> None:
        # After a fork (gunicorn preload) the parent's thread does not exist in the child.
        if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
            return
        self._pid = os.getpid()
        self._thread = threading.Thread(target=self._run, name="analytics-flusher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(max(flush_interval(), 0.05))
            self.flush()
            close_old_connections()


BUFFER = IngestBuffer()
atexit.register(BUFFER.flush)
