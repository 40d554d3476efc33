"""Benchmark: what the consent banner costs a visitor and the server.

    .venv/bin/python bench/consent.py

Prints (1) the banner's script and stylesheet sizes, raw and gzipped, against Klaro's
37 kB gzipped (the figure quoted in issue 4); (2) in-process request rates, each as a ratio
to GET /healthz measured in the same run: the landing page for a first-time visitor (banner
shown), for a visitor with a stored choice (signed cookie read, no query), recording a
choice (POST /api/v1/consent), and a signed Cal.com webhook.
"""

import gzip
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "leadkeeper.settings_test")

import django  # noqa: E402

django.setup()
logging.disable(logging.INFO)

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

KLARO_GZIP_BYTES = 37 * 1024


def sizes() -> None:
    static = ROOT / "consent" / "static" / "consent"
    raw = sum((static / name).stat().st_size for name in ("consent.js", "consent.css"))
    packed = sum(
        len(gzip.compress((static / name).read_bytes(), 9))
        for name in ("consent.js", "consent.css")
    )
    print(
        f"banner assets: {raw} B raw, {packed} B gzipped; Klaro/gzipped = "
        f"{KLARO_GZIP_BYTES / packed:.1f}x larger"
    )


def rate(label: str, call, seconds: float = 2.0) -> float:
    call()  # warm-up
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        call()
        n += 1
    per_second = n / (time.perf_counter() - start)
    return per_second


def main() -> None:
    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    settings.GA_MEASUREMENT_ID = "G-BENCH12345"
    settings.CALCOM_WEBHOOK_SECRET = "bench-secret"  # noqa: S105 (a local benchmark)
    sizes()

    from booking.tests.factories import calcom_body, signed

    baseline = rate("healthz", lambda: Client().get("/healthz"))
    first = rate("landing, first visit", lambda: Client().get("/"))
    decided = Client()
    decided.post(
        "/api/v1/consent", {"categories": {"analytics": True}}, content_type="application/json"
    )
    returning = rate("landing, stored choice", lambda: decided.get("/"))
    settings.LEAD_RATE_LIMIT = "1000000/m"
    from consent import api as consent_api

    consent_api.CONSENT_RATE = "1000000/m"
    chooser = Client()
    choice = rate(
        "POST /api/v1/consent",
        lambda: chooser.post(
            "/api/v1/consent", {"categories": {"analytics": False}}, content_type="application/json"
        ),
    )
    counter = iter(range(10**9))

    def webhook() -> None:
        body = calcom_body(uid=f"bk-{next(counter)}")
        Client().post(
            "/hooks/calcom/", body, content_type="application/json", **signed(body, "bench-secret")
        )

    hooks = rate("POST /hooks/calcom/", webhook)
    rows = {
        "GET /healthz (baseline)": baseline,
        "GET / first visit (banner shown)": first,
        "GET / with a stored choice": returning,
        "POST /api/v1/consent": choice,
        "POST /hooks/calcom/ (signed, new booking)": hooks,
    }
    for label, value in rows.items():
        print(f"{label:45s} {value:8.0f}/s  ratio to baseline {value / baseline:5.2f}")
    print(json.dumps({k: round(v / baseline, 3) for k, v in rows.items()}))


if __name__ == "__main__":
    main()
