"""Shared benchmark plumbing: a throwaway database, the production server, a load generator.

The load generator is a small asyncio HTTP/1.1 keep-alive client (no dependencies) so that
it spends as little of this machine's CPU as possible; whatever it costs, it costs the same
for the endpoint under test and for the bare baseline measured in the same run.
"""

import asyncio
import contextlib
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_env(database_url: str, **extra: str) -> dict[str, str]:
    from cryptography.fernet import Fernet

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DEBUG": "false",
        "LEAD_RATE_LIMIT": "100000000/m",
        # Limits stay on (their cost is part of what is measured) but never bind.
        "COLLECT_RATE_LIMIT": "100000000/m",
        "CONSENT_RATE_LIMIT": "100000000/m",
        "WEBHOOK_RATE_LIMIT": "100000000/m",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PYTHONPATH": str(ROOT),
    }
    env.update(extra)
    return env


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    """A fresh database URL: a temp SQLite file, or a new database on DATABASE_URL's server."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="lk-bench-") as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("PostgreSQL run needs DATABASE_URL=postgres://user:pass@host:port/db")
    import psycopg

    name = f"lk_bench_{os.getpid()}"
    admin = psycopg.connect(base, autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}"
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def migrate(env: dict[str, str]) -> None:
    subprocess.run([PYTHON, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)


def server_command(server: str, port: int, workers: int) -> list[str]:
    if server == "gunicorn":
        return [
            str(ROOT / ".venv/bin/gunicorn"),
            "leadkeeper.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ]
    if server == "granian":
        return [
            str(ROOT / ".venv/bin/granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "leadkeeper.wsgi:application",
        ]
    raise SystemExit(f"unknown server {server!r}: gunicorn or granian")


@contextlib.contextmanager
def running_server(server: str, env: dict[str, str], workers: int) -> Iterator[int]:
    port = free_port()
    process = subprocess.Popen(
        server_command(server, port, workers), cwd=ROOT, env=env, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            time.sleep(0.1)
        else:
            raise SystemExit(f"{server} did not start on port {port}")
        time.sleep(0.5)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)


@dataclass
class Result:
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    statuses: dict[int, int]

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    def line(self, label: str) -> str:
        return (
            f"{label:<34} {self.throughput:8.0f} req/s   p50 {self.percentile(50):6.1f} ms   "
            f"p99 {self.percentile(99):6.1f} ms   errors {self.errors}"
        )


async def _request(reader, writer, raw: bytes) -> tuple[int, bool]:
    """Send one request; (status, whether the server keeps the connection open)."""
    writer.write(raw)
    await writer.drain()
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    keep_alive = True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value)
        elif name == b"connection" and value.strip().lower() == b"close":
            keep_alive = False
    if length:
        await reader.readexactly(length)
    return status, keep_alive


def build_request(
    method: str,
    path: str,
    body: bytes = b"",
    content_type: str = "application/json",
    extra: str = "",
) -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) "
        f"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n{extra}\r\n"
    )
    return head.encode() + body


async def _load(
    port: int, make: Callable[[], bytes], *, connections: int, seconds: float, rate: float | None
) -> Result:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    stop_at = time.perf_counter() + seconds
    interval = connections / rate if rate else 0.0

    async def worker(index: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        next_at = time.perf_counter() + random.random() * interval
        while True:
            now = time.perf_counter()
            if now >= stop_at:
                break
            if interval:
                if next_at > now:
                    await asyncio.sleep(next_at - now)
                next_at += interval
            started = time.perf_counter()
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                status, keep_alive = await _request(reader, writer, make())
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                errors += 1
                writer.close()
                writer = None
                continue
            latencies.append(time.perf_counter() - started)
            if not keep_alive:
                # gunicorn's sync workers close after each response: connect again, and
                # count the connect in the next request's latency, as a browser would.
                writer.close()
                writer = None
            statuses[status] = statuses.get(status, 0) + 1
            if status >= 400:
                errors += 1
        if writer is not None:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    return Result(len(latencies), errors, time.perf_counter() - started, latencies, statuses)


def load(
    port: int,
    make: Callable[[], bytes],
    *,
    connections: int = 16,
    seconds: float = 8.0,
    rate: float | None = None,
) -> Result:
    return asyncio.run(_load(port, make, connections=connections, seconds=seconds, rate=rate))


BARE_REQUEST = build_request("POST", "/bench/bare", b'{"name": "Bench Person"}')


@dataclass
class Comparison:
    """The endpoint under test against the bare one, saturated in alternating rounds."""

    bare: Result  # every bare round together
    saturated: Result  # every round of the endpoint under test together
    half: Result  # the endpoint under test at half its saturated rate
    ratios: list[float]  # endpoint / bare throughput, one per round

    @property
    def ratio(self) -> float:
        """The median round's ratio: this host's speed drifts by a fifth over seconds (other
        tenants), so a single pair of runs can land the two endpoints in different weather."""
        return statistics.median(self.ratios)

    def rounds_line(self) -> str:
        return "ratio per round: " + ", ".join(f"{r:.3f}" for r in self.ratios)


def _together(results: list[Result]) -> Result:
    return Result(
        requests=sum(r.requests for r in results),
        errors=sum(r.errors for r in results),
        seconds=sum(r.seconds for r in results),
        latencies=[x for r in results for x in r.latencies],
        statuses={
            status: sum(r.statuses.get(status, 0) for r in results)
            for status in {s for r in results for s in r.statuses}
        },
    )


def compare_with_bare(
    port: int, make: Callable[[], bytes], *, connections: int, seconds: float, rounds: int = 3
) -> Comparison:
    """Warm up, then saturate the bare endpoint and the endpoint under test in turn, `rounds`
    times, then run the endpoint under test at half its saturated rate."""
    load(port, lambda: BARE_REQUEST, connections=connections, seconds=1.5)
    load(port, make, connections=connections, seconds=1.5)
    bares, saturateds = [], []
    for _ in range(rounds):
        bares.append(load(port, lambda: BARE_REQUEST, connections=connections, seconds=seconds))
        saturateds.append(load(port, make, connections=connections, seconds=seconds))
    saturated = _together(saturateds)
    half = load(port, make, connections=connections, seconds=seconds, rate=saturated.throughput / 2)
    return Comparison(
        bare=_together(bares),
        saturated=saturated,
        half=half,
        ratios=[s.throughput / b.throughput for b, s in zip(bares, saturateds, strict=True)],
    )


def median(values: list[float]) -> float:
    return statistics.median(values)


def say(text: str = "") -> None:
    print(text, flush=True)
    sys.stdout.flush()
