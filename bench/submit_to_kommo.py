"""Benchmark: from a lead's 201 to Kommo holding it, through the real processes.

    .venv/bin/python bench/submit_to_kommo.py                       # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/submit_to_kommo.py --db sqlite --db postgres
    .venv/bin/python bench/submit_to_kommo.py --leads 300 --rate 5  # a longer run

gunicorn, the scheduler (`manage.py run_scheduler`) and the worker (`manage.py db_worker`),
each as the Procfiles start them, on a fresh database, against the local Kommo double
(Kommo's documented 7 requests/s). Leads are submitted through `POST /api/v1/leads` at a
modest steady rate; the time from each 201 to the double storing that lead (found by its
lk-<id> tag, polled every 10 ms) is the figure. The outbox is the queue: the scheduler wakes
crm.deliver_outbox each second while a row is due (issue 9). Target: p95 < 3 s.
"""

import argparse
import contextlib
import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    PYTHON,
    ROOT,
    bench_env,
    database,
    migrate,
    running_server,
    say,
)

TARGET_P95 = 3.0
HEADERS = {
    "Content-Type": "application/json",
    "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0 Safari/537.36",
}


@contextlib.contextmanager
def background(env: dict[str, str], log) -> Iterator[None]:
    """The worker and the scheduler, as Procfile.serve starts them; their output to `log`."""
    commands = [
        [PYTHON, "manage.py", "db_worker", "--queue-name", "*", "--interval", "0.2", "--no-reload"],
        [PYTHON, "manage.py", "run_scheduler"],
    ]
    processes = [
        subprocess.Popen(c, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)
        for c in commands
    ]
    try:
        yield
    finally:
        for process in processes:
            os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process.wait(timeout=30)


class Arrivals:
    """When each lk-<id> tag first appeared in the double (a thread polling every 10 ms)."""

    def __init__(self, kommo) -> None:
        self.kommo = kommo
        self.seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            for marker in self.kommo.markers():
                self.seen.setdefault(marker, now)
            self._stop.wait(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def submit(port: int, n: int) -> tuple[int, float]:
    """One lead through the public API; (its id, when the 201 arrived)."""
    body = {"name": "Bench Person", "phone": f"+7916{n:07d}", "consent": True}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/api/v1/leads", json.dumps(body), HEADERS)
    response = connection.getresponse()
    payload = response.read()
    connection.close()
    if response.status != 201:
        raise SystemExit(f"POST /api/v1/leads answered {response.status}: {payload[:200]!r}")
    return json.loads(payload)["id"], time.time()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def run(db: str, leads: int, rate: float) -> None:
    from crm.tests.kommo_double import KommoDouble

    with (
        database(db) as url,
        KommoDouble(token="bench-token", rate_limit=7) as kommo,  # noqa: S106
        tempfile.TemporaryFile() as log,
    ):
        env = bench_env(
            url, KOMMO_BASE_URL=kommo.url, KOMMO_ACCESS_TOKEN=kommo.token, KOMMO_MODE="complex"
        )
        migrate(env)
        with running_server("gunicorn", env, workers=2) as port, background(env, log):
            arrivals = Arrivals(kommo)
            # One lead first, not measured: every process has started and loaded the app.
            warm, _ = submit(port, 0)
            deadline = time.time() + 60
            while f"lk-{warm}" not in arrivals.seen and time.time() < deadline:
                time.sleep(0.05)
            answered: dict[int, float] = {}
            for n in range(1, leads + 1):
                started = time.time()
                lead_id, at = submit(port, n)
                answered[lead_id] = at
                time.sleep(max(0.0, 1 / rate - (time.time() - started)))
            deadline = time.time() + 60
            while time.time() < deadline and not all(f"lk-{i}" in arrivals.seen for i in answered):
                time.sleep(0.05)
            arrivals.stop()
            log.seek(0)
            output = log.read().decode(errors="replace")
    latencies = [
        arrivals.seen[f"lk-{i}"] - t for i, t in answered.items() if f"lk-{i}" in arrivals.seen
    ]
    missing = len(answered) - len(latencies)
    if not latencies:
        say(output[-3000:])
        raise SystemExit("no lead reached Kommo")
    duplicated = sum(1 for c in kommo.markers().values() if c > 1)
    say(
        f"{db:<10} {len(answered)} leads at {rate:g}/s: submit -> Kommo "
        f"p50 {percentile(latencies, 50):.2f} s   p95 {percentile(latencies, 95):.2f} s   "
        f"max {max(latencies):.2f} s   (target p95 < {TARGET_P95:g} s: "
        f"{'met' if percentile(latencies, 95) < TARGET_P95 else 'NOT met'})   "
        f"missing {missing}, duplicated {duplicated}"
    )
    if missing or duplicated:
        say(output[-3000:])
        raise SystemExit(f"{missing} leads never reached Kommo, {duplicated} twice")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--leads", type=int, default=30)
    parser.add_argument("--rate", type=float, default=3.0, help="leads submitted per second")
    args = parser.parse_args()
    say("submit -> Kommo: real gunicorn, scheduler and worker, local Kommo double (7 req/s)")
    for db in args.db or ["sqlite"]:
        run(db, args.leads, args.rate)


if __name__ == "__main__":
    main()
