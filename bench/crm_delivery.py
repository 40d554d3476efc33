"""Benchmark: 1,000 queued leads delivered to the local Kommo double, by 1 and by 4 workers.

    .venv/bin/python bench/crm_delivery.py                 # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/crm_delivery.py --db postgres

The double enforces Kommo's documented 7 requests/s (sliding one-second window) and 50 leads
a request, so the ceiling is 350 leads/s. Each worker is a separate process running the
production worker (`manage.py db_worker`, as Procfile runs it) on the delivery tasks that
capture enqueues (one per lead), all pacing through the token bucket in the shared database;
workers are stopped once Kommo holds every lead. Prints, per worker count: throughput as a ratio of that ceiling (measured
between the first and the last create request Kommo received, target >= 0.9), 429s
received (target 0 after the first second), duplicates (must be 0), and the wall time
including process start-up.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PYTHON, ROOT, bench_env, database, migrate, say

KOMMO_RATE = 7
PER_REQUEST = 50
CEILING = KOMMO_RATE * PER_REQUEST  # leads/s
COMPLEX = "/api/v4/leads/complex"
STARTUP_ALLOWANCE = 4.0  # seconds for worker processes to start before the leads fall due


def seed(count: int, due_at: float) -> None:
    """Run inside a configured environment: `count` people, one queued lead each.

    The rows fall due at `due_at` (Unix time), so every worker process has started and is
    waiting when delivery begins: start-up is not measured as delivery time.
    """
    import django

    django.setup()
    from datetime import UTC, datetime, timedelta

    from django.utils import timezone

    from capture.models import Lead
    from crm.models import OutboxMessage
    from crm.tasks import deliver_due_outbox
    from leadkeeper.crypto import blind_index
    from subjects.models import Subject

    start = timezone.now() - timedelta(seconds=count)
    subjects = Subject.objects.bulk_create(
        Subject(
            phone_index=blind_index(f"+7916{i:07d}"), email_index=blind_index(f"p{i}@example.com")
        )
        for i in range(count)
    )
    leads = Lead.objects.bulk_create(
        Lead(
            subject=subject,
            channel="web_form",
            created_at=start + timedelta(seconds=i),
            name=f"Bench Person {i}",
            phone=f"+7916{i:07d}",
            email=f"p{i}@example.com",
            phone_index=subject.phone_index,
            email_index=subject.email_index,
            utm_source="google",
            utm_medium="cpc",
            utm_campaign="bench",
        )
        for i, subject in enumerate(subjects)
    )
    due = datetime.fromtimestamp(due_at, tz=UTC)
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(kind="crm.lead", ref=lead.pk, created_at=lead.created_at, next_attempt_at=due)
        for lead in leads
    )
    # As the scheduler does each second while rows are due: wake the delivery job (each run
    # claims batches of 50 until none is due), held back until the rows fall due. One
    # wake-up per 50 rows, so every worker has one to take.
    deferred = deliver_due_outbox.using(run_after=due)
    for _ in range(0, len(rows), 50):
        deferred.enqueue()


def run(db_kind: str, workers: int, count: int) -> dict:
    from crm.tests.kommo_double import KommoDouble

    with (
        database(db_kind) as url,
        KommoDouble(
            token="bench-token",  # noqa: S106 - the local double's token
            rate_limit=KOMMO_RATE,
        ) as kommo,
    ):
        env = bench_env(
            url,
            KOMMO_BASE_URL=kommo.url,
            KOMMO_ACCESS_TOKEN=kommo.token,
            LOG_LEVEL="WARNING",
        )
        migrate(env)
        due_at = time.time() + STARTUP_ALLOWANCE + workers
        subprocess.run(
            [PYTHON, str(Path(__file__)), "--seed", str(count), "--due-at", str(due_at)],
            env=env,
            check=True,
            cwd=ROOT,
        )
        started = time.monotonic()
        procs = [
            subprocess.Popen(
                [
                    PYTHON,
                    "manage.py",
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--interval",
                    "0.2",
                    "--no-reload",
                    "--worker-id",
                    f"bench-{i}",
                ],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
            for i in range(workers)
        ]
        deadline = started + 100 + STARTUP_ALLOWANCE + workers
        while len(kommo.markers()) < count and time.monotonic() < deadline:
            time.sleep(0.2)  # real worker processes: wall time is what is measured
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)
        wall = time.monotonic() - started
        creates = [r for r in kommo.received if r.path == COMPLEX]
        accepted = [r for r in creates if r.status == 200]
        limited = [r for r in kommo.received if r.status == 429]
        first = min(r.at for r in kommo.received) if kommo.received else 0.0
        markers = kommo.markers()
    span = (accepted[-1].at - accepted[0].at) + 1 / KOMMO_RATE if accepted else float("inf")
    delivered = len(markers)
    return {
        "workers": workers,
        "delivered": delivered,
        "requests": len(accepted),
        "throughput": delivered / span,
        "ratio": (delivered / span) / CEILING,
        "429": len(limited),
        "429_after_1s": len([r for r in limited if r.at - first > 1.0]),
        "duplicates": sum(n - 1 for n in markers.values() if n > 1),
        "wall": wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--leads", type=int, default=1000)
    parser.add_argument("--workers", default="1,4")
    parser.add_argument("--seed", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--due-at", type=float, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed:
        seed(args.seed, args.due_at or time.time())
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    say(
        f"crm delivery: {args.leads} queued leads -> Kommo double (7 req/s, 50 leads/request), db={args.db}"
    )
    say(f"ceiling: {CEILING} leads/s")
    for workers in (int(w) for w in args.workers.split(",")):
        r = run(args.db, workers, args.leads)
        say(
            f"{workers} worker(s): delivered {r['delivered']}/{args.leads} in {r['requests']} requests, "
            f"{r['throughput']:.0f} leads/s = {r['ratio']:.2f} x ceiling; "
            f"429s {r['429']} ({r['429_after_1s']} after the first second); "
            f"duplicates {r['duplicates']}; wall {r['wall']:.1f} s incl. process start "
            f"and a {STARTUP_ALLOWANCE + workers:.0f} s start barrier"
        )


if __name__ == "__main__":
    main()
