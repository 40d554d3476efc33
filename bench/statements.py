"""SQL statements per lead, counted in one process (run by bench/leads.py with its env).

Posts leads through Django's test client (the whole API path, no server) and counts what
reaches the database: statements through the cursor (connection.execute_wrapper), plus
what the driver issues outside it: COMMIT always, BEGIN on PostgreSQL (psycopg opens the
transaction implicitly; SQLite's BEGIN IMMEDIATE goes through the cursor). Issue 9's
target is <= 8. The first lead warms the per-process memos and is not counted.
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LEADS = 20


def main() -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.leads import lead_request_body

    client = Client(HTTP_HOST="127.0.0.1")  # bench_env allows 127.0.0.1, not testserver
    counted: list[str] = []

    def count(execute, sql, params, many, context):
        counted.append(sql.split()[0].upper())
        return execute(sql, params, many, context)

    def post() -> None:
        response = client.post(
            "/api/v1/leads", lead_request_body(), content_type="application/json"
        )
        assert response.status_code == 201, response.content

    post()
    with connection.execute_wrapper(count):
        for _ in range(LEADS):
            post()
    outside = 2 if connection.vendor == "postgresql" else 1
    per_lead = len(counted) / LEADS + outside
    print(json.dumps({"per_lead": per_lead, "kinds": sorted(set(counted))}))


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    main()
