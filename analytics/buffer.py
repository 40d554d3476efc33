"""The collector's buffer: at most one second of page views per web process (issue 9).

The one buffer a web process may keep. Accepted page views, visible-time reports and bot
counts wait here until the oldest is COLLECTOR_BUFFER_SECONDS old (default 1 s) or
FLUSH_ROWS have gathered, whichever comes first; a daemon thread then writes them in one
transaction of multi-row INSERTs (ingest.write_events), as Plausible buffers its ingest. On
SQLite that turns hundreds of one-row write transactions a second into about one per
process. Never a lead, a consent record or a rights request: those are written in their
own request, in their own transaction. COLLECTOR_BUFFER_SECONDS = 0 writes in the request.

Stopping: a graceful stop flushes first (gunicorn's worker_exit and worker_int hooks in
leadkeeper/gunicorn_conf.py; runserver's Ctrl-C, and its SIGTERM through leadkeeper/wsgi.py;
atexit for anything else). A hard kill (SIGKILL, power loss) loses at most the buffered
second. A write that fails because the database is away keeps the rows and retries a
second later; past MAX_PENDING rows the collector answers 503 rather than accept events it
could not keep. Logs carry counts only, never an event (STYLE §8).

Withdrawal (GDPR Art. 7(3), docs/analytics.md): a consented id that arrives without consent
is erased from this buffer and from the database at once, and from the database again one
window later, when every other process has written what it held at that moment.
"""

from __future__ import annotations

import atexit
import datetime
import logging
import os
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections

from .errors import CollectorBusy
from .ingest import erase_consented_ids, write_events

logger = logging.getLogger(__name__)

FLUSH_ROWS = 500  # a flood is written at once, not a second later
MAX_PENDING = 20_000  # rows kept while the database is away; then 503
RETRYABLE = (OperationalError, InterfaceError)  # the database is away or locked: try again


def buffer_seconds() -> float:
    return float(settings.COLLECTOR_BUFFER_SECONDS)


class CollectorBuffer:
    """`background=False`: no flusher thread, the owner calls flush() (the in-process tests
    of what a flush writes; the thread itself is tested against real servers)."""

    def __init__(self, *, background: bool = True) -> None:
        self._background = background
        self._lock = threading.Lock()  # guards the fields below; held for microseconds
        self._flushing = threading.Lock()  # one write at a time, start to commit
        self._wake = threading.Event()
        self._rows: list[dict[str, object]] = []
        self._bots: Counter = Counter()
        self._oldest = 0.0  # monotonic time the oldest pending row arrived
        self._retry_at = 0.0  # after a failed write, not before this
        self._erasures: list[tuple[float, tuple[str, ...]]] = []  # (due, consented-id hashes)
        self._pid = 0
        self._thread: threading.Thread | None = None

    def add(
        self, rows: list[dict[str, object]], *, bots: tuple[datetime.date, int] | None = None
    ) -> None:
        """Keep a request's accepted rows; CollectorBusy when the buffer cannot hold them."""
        with self._lock:
            if len(self._rows) + len(rows) > MAX_PENDING:
                raise CollectorBusy(
                    f"{len(self._rows)} events wait for the database; try again later"
                )
            first = not self._rows and not self._bots
            if first:
                self._oldest = time.monotonic()
            self._rows.extend(rows)
            if bots:
                self._bots[bots[0]] += bots[1]
            wake = first or len(self._rows) >= FLUSH_ROWS
        self._ensure_flusher()
        if wake:
            self._wake.set()

    def forget(self, hashes: list[str]) -> int:
        """Blank these consented ids in the rows waiting here, and erase them from the
        database again after the next window (other processes' buffers)."""
        wanted = set(hashes)
        with self._lock:
            forgotten = 0
            for row in self._rows:
                if row["consented_id"] in wanted:
                    row["consented_id"] = ""
                    forgotten += 1
            due = time.monotonic() + 2 * buffer_seconds()
            self._erasures.append((due, tuple(hashes)))
        self._ensure_flusher()
        self._wake.set()
        return forgotten

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def flush(self, *, all_erasures: bool = False) -> int:
        """Write every pending row now; the number written (0 when the write failed)."""
        with self._flushing:
            with self._lock:
                rows, bots, oldest = self._rows, self._bots, self._oldest
                self._rows, self._bots = [], Counter()
            if rows or bots:
                try:
                    write_events(rows, bots)
                except RETRYABLE as error:
                    self._keep(rows, bots, oldest)
                    logger.warning(
                        "analytics.buffer.write_failed",
                        extra={"events": len(rows), "error": type(error).__name__},
                    )
                    return 0
                except (DatabaseError, TypeError, ValueError) as error:
                    # Rows were validated before they were accepted: a bug, not an outage.
                    # Retrying would fail the same way and block every later row.
                    logger.error(
                        "analytics.buffer.rows_refused",
                        extra={"events": len(rows), "error": type(error).__name__},
                    )
                    return 0
            self._erase(everything=all_erasures)
            return len(rows)

    def stop(self) -> None:
        """A graceful stop: write what is pending and run every erasure, now."""
        written = self.flush(all_erasures=True)
        left = self.pending()
        if left:
            logger.error("analytics.buffer.lost_at_stop", extra={"events": left})
        elif written:
            logger.info("analytics.buffer.flushed_at_stop", extra={"events": written})

    def _keep(self, rows: list[dict[str, object]], bots: Counter, oldest: float) -> None:
        with self._lock:
            self._rows[:0] = rows  # the oldest stay first
            self._bots.update(bots)
            self._oldest = oldest
            self._retry_at = time.monotonic() + max(buffer_seconds(), 0.2)

    def _erase(self, *, everything: bool) -> None:
        now = time.monotonic()
        with self._lock:
            due = [e for e in self._erasures if everything or e[0] <= now]
            self._erasures = [e for e in self._erasures if e not in due]
        for index, (_, hashes) in enumerate(due):
            try:
                forgotten = erase_consented_ids(list(hashes))
            except RETRYABLE:
                with self._lock:
                    self._erasures.extend((now + buffer_seconds(), h) for _, h in due[index:])
                logger.warning("analytics.buffer.erase_failed", extra={"ids": len(due) - index})
                return
            if forgotten:
                logger.info("analytics.consented_id.forgotten", extra={"events": forgotten})

    def _delay(self) -> float | None:
        """Seconds until the flusher has work; None while it has none."""
        with self._lock:
            dues = [due for due, _ in self._erasures]
            if self._rows or self._bots:
                due = self._oldest + buffer_seconds() if len(self._rows) < FLUSH_ROWS else 0.0
                dues.append(max(due, self._retry_at))
        return None if not dues else max(0.0, min(dues) - time.monotonic())

    def _ensure_flusher(self) -> None:
        # After a fork (gunicorn --preload) the parent's thread does not exist in the child.
        if not self._background:
            return
        with self._lock:
            if self._pid == os.getpid() and self._thread is not None and self._thread.is_alive():
                return
            self._pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="collector-flusher", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.clear()
            delay = self._delay()
            if delay is None or delay > 0:
                self._wake.wait(delay)
                continue
            close_old_connections()  # what a request does around its queries
            try:
                self.flush()
            finally:
                close_old_connections()


BUFFER = CollectorBuffer()
atexit.register(BUFFER.stop)


def store_events(
    rows: list[dict[str, object]], *, bots: tuple[datetime.date, int] | None = None
) -> None:
    """Accept a request's events: into the buffer, or written now when it is switched off."""
    if not rows and not bots:
        return
    if buffer_seconds() <= 0:
        write_events(rows, Counter(dict([bots])) if bots else Counter())
        return
    BUFFER.add(rows, bots=bots)


def forget_buffered_ids(hashes: list[str]) -> int:
    """This process's waiting rows lose these consented ids (see the module's docstring)."""
    if buffer_seconds() <= 0:
        return 0
    return BUFFER.forget(hashes)
