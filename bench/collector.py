"""Benchmark: the analytics collector under concurrent load, against a bare endpoint.

    .venv/bin/python bench/collector.py                  # SQLite, gunicorn
    DATABASE_URL=postgres://... .venv/bin/python bench/collector.py --db postgres

Prints, per database: saturated throughput of `POST /bench/bare` and of
`POST /api/v1/collect` (a sendBeacon body: text/plain JSON, a page view with UTM tags and a
referrer, or a page view plus a visible-time report, as the script sends on a client-side
route change), their ratio (target >= 0.6), and the collector's latency at half its
saturated load (target p99 < 50 ms). The production server (gunicorn) on a fresh database.
Each database runs twice, each time with its own bare baseline: the collector's buffer on
(COLLECTOR_BUFFER_SECONDS=1, analytics/buffer.py) and off (0: written in the request).
After each run the server is stopped with SIGTERM and the stored events are counted.
"""

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import (
    PYTHON,
    ROOT,
    bench_env,
    build_request,
    compare_with_bare,
    database,
    migrate,
    running_server,
    say,
)

PAGES = ["/", "/services/kommo-implementation/", "/pricing/", "/blog/kommo-vs-bitrix24/"]
_counter = itertools.count()
_events_sent = itertools.count()


def collect_request() -> bytes:
    n = next(_counter)
    page = PAGES[n % len(PAGES)]
    view = {
        "type": "pageview",
        "url": f"http://127.0.0.1{page}?utm_source=google&utm_medium=cpc&utm_campaign=b{n % 7}",
        "referrer": "https://www.google.com/",
    }
    body = (
        [view]
        if n % 3
        else [
            {"type": "engagement", "url": "http://127.0.0.1/", "duration_ms": 5000 + n % 9000},
            view,
        ]
    )
    for _ in body:
        next(_events_sent)
    return build_request(
        "POST", "/api/v1/collect", json.dumps(body).encode(), content_type="text/plain"
    )


def stored_events(env: dict[str, str]) -> int:
    out = subprocess.run(
        [
            PYTHON,
            "manage.py",
            "shell",
            "-v",
            "0",
            "-c",
            "from analytics.models import Event; print(Event.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return int(out.stdout.strip().splitlines()[-1])


def run(
    db: str, server: str, workers: int, seconds: float, connections: int, buffer: float
) -> dict:
    sent_before = next(_events_sent)
    with database(db) as url:
        # The collector's buffer (analytics/buffer.py): 0 writes each request's events in it.
        env = bench_env(url, COLLECTOR_BUFFER_SECONDS=str(buffer))
        migrate(env)
        with running_server(server, env, workers) as port:
            compared = compare_with_bare(
                port, collect_request, connections=connections, seconds=seconds
            )
        # The server has stopped (SIGTERM): every accepted event must be in the database.
        stored = stored_events(env)
    sent = next(_events_sent) - sent_before - 1
    bare, collect, half, ratio = (
        compared.bare,
        compared.saturated,
        compared.half,
        compared.ratio,
    )
    design = f"buffered {buffer:g} s" if buffer > 0 else "written in the request"
    say(f"--- {db}, {server}, {design} ({workers} workers, {connections} connections) ---")
    say(bare.line("bare endpoint, saturated"))
    say(collect.line("collector, saturated"))
    say(half.line(f"collector at half load ({collect.throughput / 2:.0f}/s)"))
    say(compared.rounds_line())
    say(
        f"collector/bare throughput ratio, median round: {ratio:.2f} (target >= 0.6); "
        f"p99 at half load {half.percentile(99):.1f} ms (target < 50 ms); "
        f"statuses {collect.statuses}"
    )
    # Sent counts every event put on the wire; a request cut off at the end of a load phase
    # may not have been answered, so stored may trail sent by a handful, never exceed it.
    say(f"events sent {sent}, stored {stored} (the server stopped with SIGTERM: flushed)")
    say()
    return {"ratio": ratio, "p99_half": half.percentile(99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--server", choices=["gunicorn", "granian"], action="append")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="each load phase")
    parser.add_argument(
        "--buffer",
        type=float,
        action="append",
        help="COLLECTOR_BUFFER_SECONDS to compare (default: 1 and 0, buffered and in-request)",
    )
    args = parser.parse_args()
    for db in args.db or ["sqlite"]:
        for server in args.server or ["gunicorn"]:
            for buffer in args.buffer or [1.0, 0.0]:
                run(db, server, args.workers, args.seconds, args.connections, buffer)


if __name__ == "__main__":
    main()
