"""Benchmark: the lead API under concurrent load, against a bare endpoint of the same server.

    .venv/bin/python bench/leads.py                    # SQLite, gunicorn and granian
    DATABASE_URL=postgres://... .venv/bin/python bench/leads.py --db postgres

Prints, per database and server: saturated throughput of `POST /bench/bare` and of
`POST /api/v1/leads` (the whole lead path: validation, encryption, subject, lead, consent
proof, audit event, outbox row; no task per lead), their ratio (target >= 0.25, issue 9),
SQL statements per lead (target <= 8), and latency of the lead path at half its saturated
load (target p99 < 100 ms).
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

_counter = itertools.count(1_000_000)


def lead_request_body() -> bytes:
    n = next(_counter)
    return json.dumps(
        {
            "name": "Bench Person",
            "phone": f"+7916{n % 10_000_000:07d}",
            "email": f"person{n}@example.com",
            "consent": True,
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": "bench",
            "landing_page": "https://kommoexpert.ru/?utm_source=google",
        }
    ).encode()


def lead_request() -> bytes:
    return build_request("POST", "/api/v1/leads", lead_request_body())


def statements_per_lead(env: dict[str, str]) -> float:
    """SQL statements per lead, BEGIN and COMMIT included (bench/statements.py)."""
    out = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "statements.py")],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["per_lead"]


def run(db: str, server: str, workers: int, seconds: float, connections: int, rounds: int) -> dict:
    with database(db) as url:
        env = bench_env(url)
        migrate(env)
        statements = statements_per_lead(env)
        with running_server(server, env, workers) as port:
            compared = compare_with_bare(
                port, lead_request, connections=connections, seconds=seconds, rounds=rounds
            )
    bare, leads, half, ratio = compared.bare, compared.saturated, compared.half, compared.ratio
    say(f"--- {db}, {server} ({workers} workers, {connections} connections) ---")
    say(bare.line(f"bare endpoint, saturated ({rounds} rounds)"))
    say(leads.line(f"lead API, saturated ({rounds} rounds)"))
    say(half.line(f"lead API at half load ({leads.throughput / 2:.0f}/s)"))
    say(compared.rounds_line())
    say(
        f"lead/bare throughput ratio, median round: {ratio:.2f} (target >= 0.25); "
        f"p99 at half load {half.percentile(99):.1f} ms (target < 100 ms); "
        f"{statements:.1f} SQL statements per lead, BEGIN and COMMIT included (target <= 8)"
    )
    say()
    return {
        "db": db,
        "server": server,
        "ratio": ratio,
        "p99_half": half.percentile(99),
        "leads_per_s": leads.throughput,
        "bare_per_s": bare.throughput,
        "statements_per_lead": statements,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--server", choices=["gunicorn", "granian"], action="append")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="each load phase")
    parser.add_argument("--rounds", type=int, default=3, help="bare/lead pairs, alternating")
    args = parser.parse_args()
    for db in args.db or ["sqlite"]:
        for server in args.server or ["gunicorn", "granian"]:
            run(db, server, args.workers, args.seconds, args.connections, args.rounds)


if __name__ == "__main__":
    main()
