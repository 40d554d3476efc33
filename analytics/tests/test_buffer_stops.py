"""The collector's buffer in real servers: flushed within a second, on every graceful stop,
kept while the database is away; a hard kill loses at most the last second.

gunicorn as Procfile.serve starts it and runserver as `make run` does, on a fresh database
of the suite's kind (leadkeeper/tests/live_servers.py).
"""

import fcntl
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from leadkeeper.tests.live_servers import (
    fresh_database,
    migrate,
    query,
    server_env,
    wait_for,
    web,
)

pytestmark = pytest.mark.slow

# Limits stay on but never bind: these tests send more than a visitor would.
UNLIMITED = {"COLLECT_RATE_LIMIT": "1000000/m"}
# A person's browser: httpx's own User-Agent is a bot's, counted and not stored.
BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> tuple[str, dict[str, str]]:
    with fresh_database(tmp_path_factory.mktemp("buffer")) as url:
        env = server_env(url, **UNLIMITED)
        migrate(env)
        yield url, env


def send(client: httpx.Client, base: str, paths: list[str]) -> int:
    body = [{"type": "pageview", "url": f"http://127.0.0.1{path}"} for path in paths]
    response = client.post(
        f"{base}/api/v1/collect",
        json=body,
        headers={"Content-Type": "text/plain", "User-Agent": BROWSER},
    )
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == len(paths), response.text
    return len(paths)


def stored(url: str, prefix: str) -> set[str]:
    rows = query(url, f"SELECT path FROM analytics_event WHERE path LIKE '{prefix}%'")  # noqa: S608
    return {path for (path,) in rows}


def test_page_views_are_stored_about_a_second_after_they_are_answered(database, tmp_path):
    url, env = database
    server = web("gunicorn", env, tmp_path / "server.log")
    try:
        with httpx.Client(timeout=30) as client:
            sent = [f"/soon/{i}" for i in range(20)]
            for i in range(0, 20, 2):
                send(client, server.url, sent[i : i + 2])
            seconds = wait_for(lambda: stored(url, "/soon/") == set(sent), timeout=10)
    finally:
        server.stop()
    print(f"visible {seconds:.2f} s after the last answer")
    assert seconds < 3  # one second of buffer, plus a loaded machine's scheduling


@pytest.mark.parametrize(
    ("kind", "signum"),
    [
        ("gunicorn", signal.SIGTERM),  # Procfile.serve stopped, a deploy
        ("gunicorn", signal.SIGINT),  # gunicorn's quick stop: workers get SIGQUIT
        ("runserver", signal.SIGTERM),  # `make run`: honcho stops its processes so
        ("runserver", signal.SIGINT),  # Ctrl-C
    ],
)
def test_a_graceful_stop_writes_every_buffered_page_view(database, tmp_path, kind, signum):
    url, env = database
    prefix = f"/stop-{kind}-{signum}/"
    # Thirty seconds: nothing is written by age during the test, only by the stop.
    server = web(kind, {**env, "COLLECTOR_BUFFER_SECONDS": "30"}, tmp_path / "server.log")
    try:
        with httpx.Client(timeout=30) as client:
            sent = [f"{prefix}{i}" for i in range(30)]
            accepted = sum(send(client, server.url, sent[i : i + 3]) for i in range(0, 30, 3))
        assert accepted == 30 and stored(url, prefix) == set()  # held in memory
    finally:
        code = server.stop(signum)
    assert stored(url, prefix) == set(sent), server.output()[-3000:]
    assert code in (0, -signum, 128 + signum, 1)  # gunicorn's quick stop exits 0 or 1


def test_a_hard_kill_loses_at_most_the_last_second(database, tmp_path):
    url, env = database
    server = web("gunicorn", env, tmp_path / "server.log")
    answered: dict[str, float] = {}
    with httpx.Client(timeout=30) as client:
        for _ in range(4):  # both workers loaded the app (the first request loads it)
            send(client, server.url, ["/kill/warm"])
        started = time.monotonic()
        i = 0
        while time.monotonic() - started < 3:
            path = f"/kill/{i}"
            send(client, server.url, [path])
            answered[path] = time.monotonic()
            i += 1
            time.sleep(0.01)
    killed_at = time.monotonic()
    server.kill()  # SIGKILL to the master and its workers: no hook, no atexit
    lost = set(answered) - stored(url, "/kill/")
    oldest_lost = max((killed_at - answered[p] for p in lost), default=0.0)
    print(f"{len(answered)} answered, {len(lost)} lost, oldest {oldest_lost:.2f} s")
    # One second of buffer, and half a second for the flusher's write on a loaded machine.
    assert oldest_lost < 1.5
    assert len(lost) < len(answered)


def _database_away(url: str):
    """Make the database unwritable for the servers until the returned function is called."""
    if url.startswith("sqlite"):
        # Every SQLite writer queues on this lock first (leadkeeper/sqlite_backend).
        fd = os.open(url.removeprefix("sqlite:///") + ".writer-lock", os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX)
        return lambda: os.close(fd)
    import psycopg

    name = url.rsplit("/", 1)[1]
    base = os.environ["DATABASE_URL"]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            [name],
        )

    def back() -> None:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')

    return back


def test_page_views_wait_in_memory_while_the_database_is_away(database, tmp_path):
    url, env = database
    server = web("gunicorn", env, tmp_path / "server.log", workers=1)
    try:
        with httpx.Client(timeout=30) as client:
            send(client, server.url, ["/away/warm"])  # the worker has its connections
            wait_for(lambda: stored(url, "/away/") == {"/away/warm"}, timeout=10)
            sent = [f"/away/{i}" for i in range(10)]
            send(client, server.url, sent)  # answered 202: in the buffer
            back = _database_away(url)
            time.sleep(2.5)  # two flushes' worth of outage; the server's own clock runs
            back()
            wait_for(lambda: stored(url, "/away/") >= set(sent), timeout=15)
    finally:
        server.stop()
    if url.startswith("postgres"):
        assert "analytics.buffer.write_failed" in server.output()
    assert stored(url, "/away/") == {"/away/warm", *sent}  # each once
    assert query(url, "SELECT count(*) FROM analytics_event WHERE path LIKE '/away/%'") == [(11,)]


def test_the_log_of_a_stop_names_counts_not_pages(database, tmp_path):
    _, env = database
    server = web("gunicorn", {**env, "COLLECTOR_BUFFER_SECONDS": "30"}, tmp_path / "s.log")
    with httpx.Client(timeout=30) as client:
        send(client, server.url, ["/logged/secret-page-name"])
    server.stop()
    text = Path(tmp_path / "s.log").read_text()
    assert "analytics.buffer.flushed_at_stop" in text
    assert "secret-page-name" not in text
