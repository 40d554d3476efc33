"""Benchmark: the campaign report over 14 months of 10 million events and 100,000 leads.

    .venv/bin/python bench/reports.py                               # SQLite
    DATABASE_URL=postgres://... .venv/bin/python bench/reports.py --db sqlite --db postgres
    .venv/bin/python bench/reports.py --events 1000000 --leads 10000  # a quicker run

For each database: a fresh database; raw events generated inside the database by one
INSERT ... SELECT (a recursive CTE on SQLite, generate_series on PostgreSQL): visits of two
to four events (page views, visible-time reports), eleven sources, 55 campaigns, 40 landing
pages, devices, browsers, countries; leads and their attributions inserted in bulk; then the
real daily rollup (analytics.services.rollups.rebuild_day) run for every day, so the report
reads aggregates built from those events by the production code. Prints the time of each
step, then the report's timings (median and worst of --repeat runs), each as a ratio to the
baseline measured in the same run: the same question (entries by source / medium over 14
months) asked of the raw events table.
Target: the campaign report under 300 ms on SQLite and on PostgreSQL.
"""

import argparse
import datetime
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import PYTHON, ROOT, bench_env, database, migrate, say

SOURCES = [  # source_class, source, medium, campaign stem, referrer host
    ("paid", "google", "cpc", "search", "www.google.com"),
    ("paid", "yandex", "cpc", "direct", "yandex.ru"),
    ("paid", "vk", "paid_social", "promo", "vk.com"),
    ("search", "google", "organic", "", "www.google.com"),
    ("search", "yandex", "organic", "", "yandex.ru"),
    ("search", "bing", "organic", "", "www.bing.com"),
    ("social", "telegram", "social", "", "t.me"),
    ("social", "facebook", "social", "", "l.facebook.com"),
    ("email", "newsletter", "email", "digest", ""),
    ("referral", "habr.com", "referral", "", "habr.com"),
    ("direct", "(direct)", "(none)", "", ""),
]
COUNTRIES = ["RU", "KZ", "BY", "DE", "AE", "UZ", "AM", "GE", "TR", "US"]
DEVICES = [
    ("desktop", "Chrome", "Windows"),
    ("desktop", "Safari", "Mac OS X"),
    ("desktop", "Firefox", "Windows"),
    ("mobile", "Chrome Mobile", "Android"),
    ("mobile", "Mobile Safari", "iOS"),
    ("tablet", "Mobile Safari", "iOS"),
]


def _case(expr: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"(CASE ({expr}) % {len(values)} {whens} END)"


def events_sql(vendor: str, events: int, start_epoch: int, seconds: int) -> str:
    """One INSERT ... SELECT producing `events` rows in the database itself.

    Visit v has events 4v..4v+3: a page view and its visible time, then a second page view
    and its visible time. One visit in three is two one-page visits (two bounces) instead.
    """
    visits = events // 4
    if vendor == "sqlite":
        series = (
            f"WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq "  # noqa: S608
            f"WHERE n < {events - 1}) "
        )
        source = "seq"
        ts = (
            f"strftime('%Y-%m-%d %H:%M:%f', {start_epoch} + (v * {seconds}) / {visits} "
            f"+ i * 40, 'unixepoch')"
        )
        key = "printf('%016x%016x', v, CASE WHEN v % 3 = 0 AND i >= 2 THEN 1 ELSE 0 END)"
        cast = "CAST({} AS TEXT)"
    else:
        series = ""
        source = f"generate_series(0::bigint, {events - 1}) AS seq(n)"
        ts = f"to_timestamp({start_epoch} + (v * {seconds}) / {visits} + i * 40)"
        key = (
            "lpad(to_hex(v), 16, '0') || "
            "lpad(to_hex(CASE WHEN v % 3 = 0 AND i >= 2 THEN 1 ELSE 0 END), 16, '0')"
        )
        cast = "CAST({} AS TEXT)"
    entry = "i = 0"
    pageview = "i % 2 = 0"
    landing = f"'/p/' || {cast.format('(v * 7) % 40')} || '/'"
    inner = f"'/p/' || {cast.format('(v * 13) % 60')} || '/'"
    path = f"(CASE WHEN i < 2 THEN {landing} ELSE {inner} END)"
    src = "(v % 11)"

    def source_field(index: int) -> str:
        return _case(src, [s[index] for s in SOURCES])

    campaign = (
        f"(CASE WHEN {source_field(3)} = '' THEN '' ELSE {source_field(3)} || '_' || "
        f"{cast.format('v % 5')} END)"
    )
    # Built from this file's constants and integers only, no outside input.
    return f"""{series}
INSERT INTO analytics_event (subject_id, retention_from, ts, type, visitor_key, consented_id,
    path, query, referrer_host, source_class, source, medium, campaign, utm_term, utm_content,
    country, browser, os, device_type, duration_ms)
SELECT NULL, t, t, CASE WHEN {pageview} THEN 1 ELSE 2 END, k, '', p, '',
    CASE WHEN {entry} THEN {source_field(4)} ELSE '' END,
    CASE WHEN {entry} THEN {source_field(0)} WHEN {pageview} THEN 'internal' ELSE '' END,
    CASE WHEN {entry} THEN {source_field(1)} WHEN {pageview} THEN '(internal)' ELSE '' END,
    CASE WHEN {entry} THEN {source_field(2)} WHEN {pageview} THEN 'internal' ELSE '' END,
    CASE WHEN {entry} THEN {campaign} ELSE '' END, '', '',
    {_case("v * 3", COUNTRIES)}, {_case("v", [d[1] for d in DEVICES])},
    {_case("v", [d[2] for d in DEVICES])}, {_case("v", [d[0] for d in DEVICES])},
    CASE WHEN {pageview} THEN NULL ELSE 1000 + (v * 37) % 120000 END
FROM (SELECT v, i, {ts} AS t, {key} AS k, {path} AS p
      FROM (SELECT n / 4 AS v, n % 4 AS i FROM {source}) AS numbered) AS rows
"""  # noqa: S608


def insert_leads(count: int, start: datetime.datetime, seconds: int) -> None:
    from django.db import connection, transaction

    from analytics.models import LeadAttribution
    from capture.models import Lead

    def prepared(model, prototype, overrides: list[dict]) -> None:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        base = {
            f.attname: f.get_db_prep_save(getattr(prototype, f.attname), connection) for f in fields
        }
        by_name = {f.attname: f for f in fields}
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        sql = (
            f"INSERT INTO {model._meta.db_table} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        rows = []
        for override in overrides:
            row = dict(base)
            for name, value in override.items():
                row[name] = by_name[name].get_db_prep_save(value, connection)
            rows.append([row[f.attname] for f in fields])
        with connection.cursor() as cursor:
            for i in range(0, len(rows), 5000):
                cursor.executemany(sql, rows[i : i + 5000])

    now = start + datetime.timedelta(seconds=seconds)
    leads, attributions = [], []
    for k in range(count):
        created = start + datetime.timedelta(seconds=k * seconds / count)
        won = created + datetime.timedelta(days=10) if k % 5 == 0 else None
        s = SOURCES[(k * 7) % len(SOURCES)]
        campaign = f"{s[3]}_{k % 5}" if s[3] else ""
        leads.append(
            {
                "created_at": created,
                "retention_from": created,
                "won_at": won if won and won < now else None,
                "phone_index": f"b{k}",
                "utm_source": s[1],
                "utm_medium": s[2],
                "utm_campaign": campaign,
            }
        )
        first = SOURCES[(k * 3) % len(SOURCES)]
        attributions.append(
            {
                "first_source_class": first[0],
                "first_source": first[1],
                "first_medium": first[2],
                "first_campaign": f"{first[3]}_{k % 5}" if first[3] else "",
                "first_landing_page": f"/p/{(k * 7) % 40}/",
                "last_source_class": s[0],
                "last_source": s[1],
                "last_medium": s[2],
                "last_campaign": campaign,
                "last_landing_page": f"/p/{(k * 11) % 40}/",
                "retention_from": created,
            }
        )
    with transaction.atomic():
        prepared(Lead, Lead(channel="web_form", name="Bench", phone="+70000000000"), leads)
        ids = list(Lead.objects.order_by("pk").values_list("pk", flat=True))
        for attribution, lead_id in zip(attributions, ids, strict=True):
            attribution["lead_id"] = lead_id
        prepared(LeadAttribution, LeadAttribution(method="visitor_key", touches=1), attributions)


def timed(call, repeat: int) -> tuple[float, float]:
    call()  # warm caches once, as a page in use would be
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), max(runs)


def child(args: argparse.Namespace) -> None:
    import django

    django.setup()
    import logging

    logging.disable(logging.INFO)
    from django.contrib.auth.models import User
    from django.db import connection
    from django.db.models import Count
    from django.test import Client

    from analytics.models import Event
    from analytics.selectors import Period, campaign_report, marketing_report
    from analytics.services.rollups import rebuild_day

    vendor = connection.vendor
    today = datetime.datetime.now(datetime.UTC).date()
    first_day = today - datetime.timedelta(days=args.days - 1)
    start = datetime.datetime.combine(first_day, datetime.time(), tzinfo=datetime.UTC)
    seconds = args.days * 86400 - 3600

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(events_sql(vendor, args.events, int(start.timestamp()), seconds))
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE analytics_event")
    say(f"{vendor}: {args.events:,} raw events generated in {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    insert_leads(args.leads, start, seconds)
    say(f"{vendor}: {args.leads:,} leads and attributions in {time.perf_counter() - started:.0f} s")

    started = time.perf_counter()
    for offset in range(args.days):
        rebuild_day(day=first_day + datetime.timedelta(days=offset))
    took = time.perf_counter() - started
    say(
        f"{vendor}: {args.days} days rolled up from the raw events by rebuild_day in {took:.0f} s "
        f"({took / args.days * 1000:.0f} ms a day)"
    )
    if vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    period = Period(first_day, today)

    def raw_baseline() -> None:
        list(
            Event.objects.filter(type=Event.PAGEVIEW, ts__gte=start)
            .exclude(source_class="internal")
            .values("source", "medium")
            .annotate(n=Count("id"))
            .order_by()
        )

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.create_superuser("bench", "", None))
    query = f"?from={first_day}&to={today}&by=source_medium"

    def page() -> None:
        response = client.get("/reports/" + query)
        assert response.status_code == 200, response.status_code

    base_median, _ = timed(raw_baseline, max(1, args.repeat // 2))
    say(f"{vendor}: baseline, entries by source / medium from the raw table: {base_median:.0f} ms")
    for label, call in [
        ("campaign report, source / medium", lambda: campaign_report(period, by="source_medium")),
        ("campaign report, campaign", lambda: campaign_report(period, by="campaign")),
        ("campaign report, landing page", lambda: campaign_report(period, by="landing_page")),
        (
            "whole report (all tables, both periods)",
            lambda: marketing_report(period, by="source_medium", model="last"),
        ),
        ("GET /reports/ rendered (charts, tables)", page),
    ]:
        median, worst = timed(call, args.repeat)
        say(
            f"{vendor}: {label:<42} median {median:7.1f} ms   worst {worst:7.1f} ms   "
            f"baseline/this {base_median / median:6.1f}x"
        )
    rows = campaign_report(period, by="source_medium")
    say(
        f"{vendor}: {args.days} days, {sum(r.visits for r in rows):,} visits, "
        f"{sum(r.leads for r in rows):,} leads in the report (target: under 300 ms)"
    )
    say()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=427)  # 14 months
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
            subprocess.run(
                [
                    PYTHON,
                    __file__,
                    "--child",
                    "--events",
                    str(args.events),
                    "--leads",
                    str(args.leads),
                    "--days",
                    str(args.days),
                    "--repeat",
                    str(args.repeat),
                ],
                cwd=ROOT,
                env={**env, "PYTHONUNBUFFERED": "1"},
                check=True,
            )


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
