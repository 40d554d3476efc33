"""Benchmark: one data subject among N leads and M analytics events (issue 10, Performance).

    .venv/bin/python bench/rights_subject.py                                  # SQLite, small
    DATABASE_URL=postgres://... .venv/bin/python bench/rights_subject.py --db sqlite --db postgres
    .venv/bin/python bench/rights_subject.py --leads 1000000 --events 10000000  # the target size

For each database: a fresh database; M events generated inside the database (the same
generator as bench/reports.py), then N subjects and N leads, each made by one set-based
`INSERT ... SELECT` over a generated series (a recursive CTE on SQLite, generate_series on
PostgreSQL) that copies a prototype row captured by the real `capture_lead`, so the filler
reuses its ciphertexts and nothing is encrypted per row; then the person under test captured
through `capture_lead` (subject, lead, consent proof), with some of the events, a GA client
id and a booking linked to them. Every statement the timed work runs is then EXPLAINed, and
a full scan of a large table (leads, subjects, events) is printed as a failure: the timings
must come from indexes, not from a table small enough to scan. Timed, median and worst of
--repeat runs:
- finding everything about the subject by the verified email's blind index and building the
  access report ZIP (rights.stores.subject_ids_for + holdings + rights.reports.access_report);
  target under 500 ms;
- the local erasure of that subject (rights.stores.erase_subjects and the ledger), each run
  in a transaction rolled back afterwards so every run erases the same data; target under 1 s.
Each is printed against a baseline measured in the same run: the smallest database work of
the same shape (one lead by its index and a count of the subject's events; one row updated).
"""

import argparse
import datetime
import os
import subprocess
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PYTHON, ROOT, bench_env, database, migrate, say
from bench.reports import events_sql, timed
from bench.subject_filler import insert_filler

EMAIL = "bench.subject@example.com"
LINKED_EVENTS = 200
BIG_TABLES = ("capture_lead", "capture_subject", "analytics_event")


class Rollback(Exception):
    """Raised inside a timed erasure so its transaction is undone."""


def _subject_with_data(events: int):
    from datetime import timedelta

    from django.db import connection
    from django.utils import timezone

    from booking.models import Booking
    from capture.models import Lead
    from capture.services import capture_lead
    from capture.tests.factories import lead_data, request_context
    from consent.models import AnalyticsClientId
    from leadkeeper.crypto import blind_index

    lead = capture_lead(
        data=lead_data(email=EMAIL), context=request_context(), channel=Lead.Channel.WEB_FORM
    )
    step = max(1, events // LINKED_EVENTS)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE analytics_event SET subject_id = %s WHERE id %% %s = 0", [lead.subject_id, step]
        )
    AnalyticsClientId.objects.create(
        consent_id=uuid.uuid4(), client_id="1197596843.1673515452", subject=lead.subject
    )
    start = timezone.now() + timedelta(days=2)
    Booking.objects.create(
        uid="bench-booking",
        status="scheduled",
        start_time=start,
        end_time=start + timedelta(minutes=30),
        email=EMAIL,
        email_index=blind_index(EMAIL),
        subject=lead.subject,
        lead=lead,
        last_event_at=start,
    )
    return lead


def _request():
    from django.utils import timezone

    from leadkeeper.crypto import blind_index
    from rights.models import RightsRequest

    return RightsRequest.objects.create(
        reference="BENCH-1",
        right="access",
        channel="api",
        email=EMAIL,
        email_index=blind_index(EMAIL),
        due_at=timezone.now() + datetime.timedelta(days=30),
        verified_via="email",
    )


def _scans(vendor: str, call) -> tuple[int, list[str]]:
    """Run `call` once and EXPLAIN what it ran: (statements, full scans of a large table)."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ran:
        call()
    found, explained = [], 0
    for query in ran.captured_queries:
        sql = query["sql"]
        if not re.match(r"\s*(SELECT|UPDATE|DELETE|INSERT)", sql, re.IGNORECASE):
            continue
        explain = "EXPLAIN QUERY PLAN " if vendor == "sqlite" else "EXPLAIN "
        with connection.cursor() as cursor:
            cursor.execute(explain + sql)
            plan = [" ".join(str(c) for c in row) for row in cursor.fetchall()]
        explained += 1
        pattern = r"\bSCAN (\w+)" if vendor == "sqlite" else r"Seq Scan on (\w+)"
        for line in plan:
            match = re.search(pattern, line)
            if match and match.group(1) in BIG_TABLES:
                found.append(f"{match.group(1)}: {sql[:160]}")
    return explained, found


def _measure(vendor: str, lead, repeat: int) -> None:
    from django.db import transaction
    from django.utils import timezone

    from analytics.models import Event
    from capture.models import Lead
    from rights.reports import access_report
    from rights.steps.erasure import ledger_entries
    from rights.stores import erase_subjects, holdings, legal_hold_lead_ids, subject_ids_for

    request = _request()

    def find_and_report() -> None:
        ids = subject_ids_for(email_index=request.email_index)
        found = holdings(subject_ids=ids)
        assert found.leads and found.analytics_events, "the subject was not found"
        access_report(request=request, found=found)

    def find_baseline() -> None:
        Lead.objects.filter(email_index=request.email_index).first()
        Event.objects.filter(subject_id=lead.subject_id).count()

    def erase() -> None:
        try:
            with transaction.atomic():
                ids, now = [lead.subject_id], timezone.now()
                held = legal_hold_lead_ids(subject_ids=ids, now=now)
                ledger_entries(subject_ids=ids, held=held, request_id=request.pk)
                counts = erase_subjects(subject_ids=ids, keep_lead_ids=held, at=now)
                assert counts["subjects_erased"] == 1, counts
                raise Rollback
        except Rollback:
            pass

    def erase_baseline() -> None:
        try:
            with transaction.atomic():
                Lead.objects.filter(pk=lead.pk).update(message=None)
                raise Rollback
        except Rollback:
            pass

    for label, call, baseline, target in [
        ("find the subject + access report", find_and_report, find_baseline, 500),
        ("local erasure of the subject", erase, erase_baseline, 1000),
    ]:
        explained, scans = _scans(vendor, call)
        for scan in scans:
            say(f"{vendor}: FULL SCAN in {label}: {scan}")
        if not scans:
            say(f"{vendor}: {label}: {explained} statements EXPLAINed, each on an index")
        base, _ = timed(baseline, repeat)
        median, worst = timed(call, repeat)
        say(
            f"{vendor}: {label:<34} median {median:7.1f} ms   worst {worst:7.1f} ms   "
            f"baseline {base:6.1f} ms ({median / max(base, 0.001):5.1f}x)   target {target} ms"
        )


def child(args: argparse.Namespace) -> None:
    import time

    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)
    from django.db import connection

    vendor = connection.vendor
    days = 427
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days)
    seconds = days * 86400 - 3600
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(events_sql(vendor, args.events, int(start.timestamp()), seconds))
    say(f"{vendor}: {args.events:,} events made in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    insert_filler(args.leads, start, seconds)
    lead = _subject_with_data(args.events)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the planner sees the real sizes, as in production
    say(
        f"{vendor}: {args.leads:,} subjects and leads and the subject under test made in "
        f"{time.perf_counter() - started:.0f} s"
    )
    _measure(vendor, lead, args.repeat)
    say()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    for db in args.db or ["sqlite"]:
        with database(db) as url:
            env = bench_env(url)
            migrate(env)
            command = [PYTHON, __file__, "--child", "--events", str(args.events)]
            command += ["--leads", str(args.leads), "--repeat", str(args.repeat)]
            subprocess.run(command, cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, check=True)


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
