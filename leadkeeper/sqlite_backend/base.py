"""Django's SQLite backend, with writers serialised on a process-shared lock.

SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps and
retries (1, 2, 5, 10 ... up to 100 ms between tries), so a waiting writer often sleeps past
the moment the lock came free, and p99 grows with the number of processes. Here every
transaction (BEGIN IMMEDIATE, settings.py) first takes `fcntl.flock` on a file beside the
database: the kernel queues the waiters and wakes one the moment the holder commits or
rolls back. A process that dies loses its lock with its file descriptor, so a crash never
leaves it held. Autocommit statements outside a transaction still meet SQLite's own lock
and busy_timeout. PostgreSQL does not use this module.
"""

from __future__ import annotations

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_lock_fd: int | None = None
    _writer_lock_held = False

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
            return super()._commit()
        finally:
            self._release_writer_lock()

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
