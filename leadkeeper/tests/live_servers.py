"""Real processes on a throwaway database: gunicorn or runserver, the worker, the scheduler.

For tests that need what only a process shows: a signal, a SIGKILL, a thread that flushes
on its own, a worker that was down. The database is a fresh SQLite file, or a fresh
database on the PostgreSQL server the suite runs on (DATABASE_URL), migrated once; the
processes run the production settings (leadkeeper.settings), as Procfile.serve starts them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
_databases = count()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """A database URL of the suite's kind (SQLite unless DATABASE_URL names PostgreSQL)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        yield f"sqlite:///{tmp_path}/live.sqlite3"
        return
    import psycopg

    name = f"{base.rsplit('/', 1)[1]}_live_{os.getpid()}_{next(_databases)}"
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "leadkeeper.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "live-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": "http://127.0.0.1",
        "LOG_LEVEL": "INFO",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("COLLECTOR_BUFFER_SECONDS", None)  # the production default unless a test says
    env.update(extra)
    return env


def migrate(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )


def query(database_url: str, sql: str) -> list[tuple]:
    """Read the servers' database from the test, outside Django's test database."""
    if database_url.startswith("sqlite"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(database_url.removeprefix("sqlite:///"))) as db:
            return db.execute(sql).fetchall()
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        return db.execute(sql).fetchall()


def execute(database_url: str, sql: str) -> None:
    """Change the servers' database from the test (what time or an operator would do)."""
    if database_url.startswith("sqlite"):
        import sqlite3

        path = database_url.removeprefix("sqlite:///")
        with contextlib.closing(sqlite3.connect(path)) as db, db:  # the inner `with` commits
            db.execute(sql)
        return
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as db:
        db.execute(sql)


def web_command(kind: str, port: int, *, workers: int = 2) -> list[str]:
    if kind == "gunicorn":  # as Procfile.serve starts it
        return [
            str(BIN / "gunicorn"),
            "leadkeeper.wsgi",
            "-c",
            "python:leadkeeper.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ]
    if kind == "runserver":  # as Procfile starts it (`make run`)
        return [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    raise ValueError(f"unknown server {kind!r}")


@dataclass
class Process:
    """One started process, its output in a file; stop() or kill() it."""

    command: list[str]
    env: dict[str, str]
    log: Path
    port: int | None = None
    popen: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> Process:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if self.port is not None:
            self._wait_until_listening()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def send(self, signum: int, *, group: bool = False) -> None:
        if self.popen is not None and self.popen.poll() is None:
            if group:  # gunicorn's master and its workers at once, as a power cut would
                os.killpg(self.popen.pid, signum)
            else:
                self.popen.send_signal(signum)

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 40) -> int:
        self.send(signum)
        return self.popen.wait(timeout=timeout) if self.popen else 0

    def kill(self) -> None:
        self.send(signal.SIGKILL, group=True)
        if self.popen is not None:
            self.popen.wait(timeout=10)

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 60  # a loaded machine: gunicorn imports the app
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise AssertionError(f"{self.command[0]} exited: {self.output()[-3000:]}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5),
            ):
                return
            time.sleep(0.1)  # a real process starting: there is no clock to move
        raise AssertionError(f"{self.command[0]} did not listen within 60 s")


def web(kind: str, env: dict[str, str], log: Path, *, workers: int = 2) -> Process:
    port = free_port()
    return Process(web_command(kind, port, workers=workers), env, log, port=port).start()


def worker(env: dict[str, str], log: Path) -> Process:
    """`manage.py db_worker` as the Procfiles start it."""
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "*"]
    command += ["--interval", "0.2", "--no-reload"]
    return Process(command, env, log).start()


def scheduler(env: dict[str, str], log: Path) -> Process:
    return Process([sys.executable, "manage.py", "run_scheduler"], env, log).start()


def wait_for(predicate, *, timeout: float, every: float = 0.05) -> float:
    """Seconds until predicate() held; AssertionError after timeout (real processes)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")
