"""Benchmark: the retention sweep, and what it costs the collector while it runs.

    .venv/bin/python bench/retention_sweep.py                                # small, ~1 min
    .venv/bin/python bench/retention_sweep.py --events 10000000 --leads 100000   # issue 11
    DATABASE_URL=postgres://... .venv/bin/python bench/retention_sweep.py --db postgres

Seeds N raw events collected 16 months ago (one INSERT ... SELECT inside the database, as
bench/reports.py does: ~150 s for 10M on SQLite) and M leads whose last interaction was 4
years ago (all expired, none a client), starts the production server (gunicorn) on a fresh database, measures
the collector's latency at a fixed rate while idle, then again while `manage.py retention`
sweeps, in the same run. Prints rows deleted per second and the collector's p99 during the
sweep against its idle p99 (target: within 2x).
"""

import argparse
import datetime
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.collector import collect_request
from bench.harness import (
    PYTHON,
    ROOT,
    Result,
    bench_env,
    database,
    load,
    migrate,
    running_server,
    say,
)
from bench.reports import events_sql, insert_leads


def seed(args: argparse.Namespace) -> None:
    """In a child process with Django set up: N expired events and M expired leads."""
    import django

    django.setup()
    from django.db import connection

    now = datetime.datetime.now(datetime.UTC)
    events_start = now - datetime.timedelta(days=490)  # 16 months ago: past the 14 months
    with connection.cursor() as cursor:
        cursor.execute(
            events_sql(connection.vendor, args.events, int(events_start.timestamp()), 86400 * 28)
        )
    leads_start = now - datetime.timedelta(days=4 * 365)  # past the 3 years
    insert_leads(args.leads, leads_start, 86400 * 28)
    with connection.cursor() as cursor:
        # bench.reports makes one lead in five a client (held 5 years after completion):
        # here every lead is expired contact data, so all M of them go.
        cursor.execute("UPDATE capture_lead SET won_at = NULL")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def _merge(results: list[Result]) -> Result:
    return Result(
        sum(r.requests for r in results),
        sum(r.errors for r in results),
        sum(r.seconds for r in results),
        [x for r in results for x in r.latencies],
        {},
    )


def run(db: str, args: argparse.Namespace) -> None:
    with database(db) as url:
        env = bench_env(url)
        migrate(env)
        started = time.perf_counter()
        child = [
            PYTHON,
            __file__,
            "--seed",
            "--events",
            str(args.events),
            "--leads",
            str(args.leads),
        ]
        subprocess.run(child, cwd=ROOT, env=env, check=True)
        say(
            f"{db}: seeded {args.events:,} events and {args.leads:,} leads in {time.perf_counter() - started:.0f} s"
        )
        with running_server("gunicorn", env, args.workers) as port:
            load(port, collect_request, connections=4, seconds=1.0, rate=args.rate)  # warm up
            idle = load(
                port, collect_request, connections=4, seconds=args.idle_seconds, rate=args.rate
            )
            sweep = subprocess.Popen(
                [PYTHON, "manage.py", "retention", "--no-progress", "--batch", str(args.batch)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            started = time.perf_counter()
            during = []
            while sweep.poll() is None:
                during.append(
                    load(port, collect_request, connections=4, seconds=2.0, rate=args.rate)
                )
            took = time.perf_counter() - started
            output = sweep.communicate()[0]
        if sweep.returncode:
            raise SystemExit(f"the sweep failed ({sweep.returncode}):\n{output}")
    deleted = sum(int(n) for n in re.findall(r"deleted (\d+)", output))
    busy = _merge(during)
    ratio = busy.percentile(99) / idle.percentile(99)
    say(
        f"--- {db}: sweep of {args.events:,} events + {args.leads:,} leads (batch {args.batch}) ---"
    )
    say(f"swept {deleted:,} rows in {took:.1f} s: {deleted / took:,.0f} rows/s")
    say(idle.line(f"collector idle ({args.rate:.0f}/s)"))
    say(busy.line(f"collector during the sweep ({args.rate:.0f}/s)"))
    say(f"p99 during / idle: {ratio:.2f} (target <= 2)")
    say()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--leads", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rate", type=float, default=40.0, help="collector requests per second")
    parser.add_argument("--idle-seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args)
        return
    for db in args.db or ["sqlite"]:
        run(db, args)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
