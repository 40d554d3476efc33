"""Benchmark: how fast a Kommo bulk webhook (250 leads) is answered, against a bare POST.

    .venv/bin/python bench/webhooks.py                   # SQLite, gunicorn
    DATABASE_URL=postgres://... .venv/bin/python bench/webhooks.py --db postgres

Kommo disables a hook that answers slowly; the endpoint stores the body in one INSERT and
the worker applies it (issue 9). Prints the median and worst answer time of the bulk hook
and of the bare endpoint given the same body, one request at a time, and their ratio.
Target: the bulk hook answered in < 100 ms.
"""

import argparse
import http.client
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import bench_env, database, migrate, running_server, say

SECRET = "bench-webhook-secret-0123456789"  # noqa: S105 - a throwaway local server's


def bulk_hook(leads: int = 250) -> bytes:
    data = {"account[id]": "31000000", "account[subdomain]": "kommoexpert"}
    for i in range(leads):
        data |= {
            f"leads[status][{i}][id]": str(700000 + i),
            f"leads[status][{i}][status_id]": "142",
            f"leads[status][{i}][pipeline_id]": "7000",
            f"leads[status][{i}][old_status_id]": "1001",
            f"leads[status][{i}][last_modified]": str(int(time.time())),
        }
    return urlencode(data).encode()


def answer_times(port: int, path: str, body: bytes, count: int) -> list[float]:
    times = []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(count):
        started = time.perf_counter()
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status not in (200, 201):
            raise SystemExit(f"{path} answered {response.status}")
    connection.close()
    return times


def run(db: str, count: int) -> None:
    body = bulk_hook()
    with database(db) as url:
        env = bench_env(url, KOMMO_WEBHOOK_SECRET=SECRET)
        migrate(env)
        with running_server("gunicorn", env, 2) as port:
            bare = answer_times(port, "/bench/bare", body, count)
            hook = answer_times(port, f"/hooks/kommo/{SECRET}/", body, count)
    ratio = statistics.median(hook) / statistics.median(bare)
    say(f"--- {db}: a 250-lead bulk hook ({len(body):,} bytes), {count} times ---")
    say(f"bare endpoint: median {statistics.median(bare):.1f} ms, worst {max(bare):.1f} ms")
    say(f"Kommo webhook: median {statistics.median(hook):.1f} ms, worst {max(hook):.1f} ms")
    say(f"webhook/bare answer time: {ratio:.2f}x (target: answered in < 100 ms)")
    say()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgres"], action="append")
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    for db in args.db or ["sqlite"]:
        run(db, args.count)


if __name__ == "__main__":
    main()
