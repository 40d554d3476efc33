"""SQLite writers queue on a lock file across processes, taken before BEGIN (issue 9)."""

import subprocess
import sys
import threading
import time

import pytest
from django.db import connection, transaction

from leadkeeper.models import RateLimitCounter

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL queues by itself"),
]

# Another process: take the writer lock, say so, hold it until told to let go.
HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.readline()
fcntl.flock(fd, fcntl.LOCK_UN)
print("released", flush=True)
"""

# Another process: can it take the lock right now?
PROBE = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
try:
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    print("busy")
else:
    print("free")
"""


def _lock_path() -> str:
    connection.ensure_connection()
    return connection._writer_lock_path()


def _probe() -> str:
    return subprocess.run(
        [sys.executable, "-c", PROBE, _lock_path()], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_transaction_holds_the_writer_lock_from_begin_to_commit():
    assert _probe() == "free"
    with transaction.atomic():
        RateLimitCounter.objects.create(key="k", window_start="2026-01-01T00:00Z", count=1)
        assert _probe() == "busy"
    assert _probe() == "free"


def test_a_rolled_back_transaction_releases_the_writer_lock():
    with pytest.raises(RuntimeError), transaction.atomic():
        RateLimitCounter.objects.create(key="k", window_start="2026-01-01T00:00Z", count=1)
        raise RuntimeError("rolled back")
    assert _probe() == "free"
    assert not RateLimitCounter.objects.exists()


def test_a_writer_waits_for_another_process_and_goes_on_when_it_lets_go():
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, _lock_path()],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        done = threading.Event()

        def write() -> None:
            from django.db import connections

            with transaction.atomic():
                RateLimitCounter.objects.create(key="w", window_start="2026-01-01T00:00Z", count=1)
            connections.close_all()
            done.set()

        writer = threading.Thread(target=write)
        writer.start()
        assert not done.wait(0.5)  # queued behind the other process, not failing
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "released"
        writer.join(timeout=30)
        assert done.is_set()
        assert RateLimitCounter.objects.filter(key="w").exists()
    finally:
        holder.kill()
        holder.wait()


def test_the_log_is_checkpointed_after_commit_once_the_writer_lock_is_free(monkeypatch):
    """SQLite's own checkpoint ran inside COMMIT, under the lock; ours runs after it."""
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        assert cursor.fetchone()[0] == 4 * 4096  # a safety net far past RESTART_PAGES
    seen_lock: list[str] = []
    real = connection._checkpoint_if_due

    def checkpoint() -> None:
        seen_lock.append(_probe())
        real()

    monkeypatch.setattr(connection, "_checkpoint_if_due", checkpoint)
    connection._checkpointed_at = 0.0  # due
    with transaction.atomic():
        RateLimitCounter.objects.create(key="c", window_start="2026-01-01T00:00Z", count=1)
    assert seen_lock == ["free"]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")  # busy, log frames, backfilled
        busy, frames, backfilled = cursor.fetchone()
    assert busy == 0 and frames == backfilled  # nothing was left for this one to copy
    checkpointed_at = connection._checkpointed_at
    with transaction.atomic():  # not due again within CHECKPOINT_SECONDS
        RateLimitCounter.objects.create(key="d", window_start="2026-01-01T00:00Z", count=1)
    assert seen_lock == ["free", "free"]
    assert connection._checkpointed_at == checkpointed_at


def test_the_log_stays_bounded_under_writers_that_never_pause(monkeypatch):
    """Writers appending during every PASSIVE checkpoint kept the log from ever restarting
    (2 GB in 30 s of saturated leads); past RESTART_PAGES it restarts under the lock."""
    from django.db import connections

    from leadkeeper.sqlite_backend import base

    monkeypatch.setattr(base, "CHECKPOINT_SECONDS", 0.0)
    monkeypatch.setattr(base, "RESTART_PAGES", 100)
    log_pages: list[int] = []
    real = base.DatabaseWrapper._restart_log

    def restart(self) -> None:
        log_pages.append(1)
        real(self)

    monkeypatch.setattr(base.DatabaseWrapper, "_restart_log", restart)
    deadline = time.monotonic() + 2
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            n = 0
            while time.monotonic() < deadline:
                n += 1
                with transaction.atomic():
                    RateLimitCounter.objects.create(
                        key=f"{worker}-{n}" + "x" * 200, window_start="2026-01-01T00:00Z", count=1
                    )
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    written = RateLimitCounter.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
        _busy, pages, _copied = cursor.fetchone()
    assert log_pages, "no restart was needed: the writers did not keep the log busy"
    assert written > 1000 and pages < 1000, (written, pages)


def test_a_statement_is_converted_to_qmarks_once_and_as_django_does():
    from leadkeeper.sqlite_backend.base import _qmark

    sql = "SELECT %s, '100%%', %s"
    _qmark.cache_clear()
    for _ in range(3):
        with connection.cursor() as cursor:
            cursor.execute(sql, [1, "two"])
            assert cursor.fetchone() == (1, "100%", "two")
    assert _qmark.cache_info().misses == 1
    assert _qmark.cache_info().hits == 2


def test_named_parameters_and_long_statements_are_converted_as_django_does():
    with connection.cursor() as cursor:
        cursor.execute("SELECT %(a)s, %(b)s", {"a": 1, "b": 2})
        assert cursor.fetchone() == (1, 2)
        long = "SELECT %s" + " " * 5000
        cursor.execute(long, [3])
        assert cursor.fetchone() == (3,)
