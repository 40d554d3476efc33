"""Django's SQLite backend, with writers serialised on a process-shared lock.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps and
retries (1, 2, 5, 10 ... up to 100 ms between tries), so a waiting writer often sleeps past
the moment the lock came free, and p99 grows with the number of processes. Here every
transaction (BEGIN IMMEDIATE, settings.py) first takes `fcntl.flock` on a file beside the
database: the kernel queues the waiters and wakes one the moment the holder commits or
rolls back. A process that dies loses its lock with its file descriptor, so a crash never
leaves it held. Autocommit statements outside a transaction still meet SQLite's own lock
and busy_timeout. PostgreSQL does not use this module.

Checkpoints (copying the write-ahead log back into the database) happen outside that lock.
SQLite's automatic checkpoint runs inside the COMMIT that crosses 1,000 log pages, so the
committing writer held every other writer up for the checkpoint's copy and fsync (7-9 ms
every ~30 leads, issue 9). Here a connection runs a PASSIVE checkpoint after a commit,
once the lock is released, at most once per CHECKPOINT_SECONDS; a PASSIVE checkpoint never
waits for readers or writers. SQLite's automatic one waits for 16,384 pages, a safety net
for a log that only autocommit statements wrote. The last connection to close
checkpoints, as SQLite always does.

The log only starts again from its beginning when a writer finds every page of it copied
back and no reader in it; with writers appending while the PASSIVE checkpoint runs, that
never happened under sustained load, and the log grew without end (2 GB after 30 s of
saturated leads, the lead rate falling round after round). So once the log holds more than
RESTART_PAGES, the checkpointing connection takes the writer lock and runs a RESTART
checkpoint: it copies the few pages appended since, waits for readers to leave the log, and
the next writer starts it from the beginning (`journal_size_limit` then trims the file).

Statements are converted from Django's `%s` placeholders to SQLite's `?` once per process,
not on every run: the regular expression took ~20 us for a lead's INSERT, inside the
writer lock (issue 9).
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import time
from functools import lru_cache

from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

CHECKPOINT_SECONDS = 0.25
# A log longer than this many pages (16 MB at 4 KB) is restarted under the writer lock.
RESTART_PAGES = 4096
RESTART_WAIT_MS = 200
AUTOCHECKPOINT_PAGES = 4 * RESTART_PAGES
JOURNAL_SIZE_LIMIT = 16 * 2**20
# Only statements up to this size are remembered (a bulk insert's is longer and rarely
# repeats): at most 512 of them, about 4 MB a process at worst.
CACHED_STATEMENT_CHARS = 4096


@lru_cache(maxsize=512)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None and len(query) <= CACHED_STATEMENT_CHARS:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_lock_fd: int | None = None
    _writer_lock_held = False
    _checkpointed_at = 0.0

    def create_cursor(self, name: str | None = None) -> CursorWrapper:
        return self.connection.cursor(factory=CursorWrapper)

    def get_new_connection(self, conn_params: dict) -> sqlite3.Connection:
        connection = super().get_new_connection(conn_params)
        # This class checkpoints (above); SQLite's own, far later, only for a log that no
        # transaction's commit reached (autocommit statements alone do not checkpoint here).
        connection.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        connection.execute(f"PRAGMA journal_size_limit={JOURNAL_SIZE_LIMIT}")
        return connection

    def _checkpoint_if_due(self) -> None:
        now = time.monotonic()
        if now - self._checkpointed_at < CHECKPOINT_SECONDS or self.connection is None:
            return
        self._checkpointed_at = now
        try:
            _busy, log_pages, _copied = self.connection.execute(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).fetchone()
            if log_pages > RESTART_PAGES:
                self._restart_log()
        except sqlite3.Error:
            # Harmless: the pages stay in the log and the next checkpoint copies them.
            logger.warning("sqlite.checkpoint_failed")

    def _restart_log(self) -> None:
        """Copy the rest of the log under the writer lock, so the next writer restarts it.

        Readers get RESTART_WAIT_MS to leave the log (a long report could otherwise hold
        every writer up to busy_timeout); if one stays, the next due checkpoint tries again.
        """
        (timeout,) = self.connection.execute("PRAGMA busy_timeout").fetchone()
        self._take_writer_lock()
        try:
            self.connection.execute(f"PRAGMA busy_timeout={RESTART_WAIT_MS}")
            self.connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchone()
        finally:
            self.connection.execute(f"PRAGMA busy_timeout={int(timeout)}")
            self._release_writer_lock()

    def _writer_lock_path(self) -> str | None:
        """The lock file beside the database; None for an in-memory database (one process)."""
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}.writer-lock"

    def _take_writer_lock(self) -> None:
        path = self._writer_lock_path()
        if path is None or self._writer_lock_held:
            return
        if self._writer_lock_fd is None:
            # One descriptor per connection: flock() locks conflict between descriptors, so
            # two threads of one process queue as two processes do.
            self._writer_lock_fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._writer_lock_fd, fcntl.LOCK_EX)
        self._writer_lock_held = True

    def _release_writer_lock(self) -> None:
        if self._writer_lock_held and self._writer_lock_fd is not None:
            fcntl.flock(self._writer_lock_fd, fcntl.LOCK_UN)
        self._writer_lock_held = False

    def _start_transaction_under_autocommit(self) -> None:
        self._take_writer_lock()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._release_writer_lock()
        self._checkpoint_if_due()

    def _rollback(self) -> None:
        try:
            return super()._rollback()
        finally:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            return super()._close()
        finally:
            self._release_writer_lock()
            if self._writer_lock_fd is not None:
                os.close(self._writer_lock_fd)
                self._writer_lock_fd = None
