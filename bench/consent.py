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
import statistics
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
ROUNDS = 7


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

    settings.LEAD_RATE_LIMIT = "1000000/m"
    settings.CONSENT_RATE_LIMIT = "1000000/m"
    settings.WEBHOOK_RATE_LIMIT = "1000000/m"
    settings.CALCOM_WEBHOOK_TOLERANCE_SECONDS = 10**9  # the factory dates its events
    decided, chooser = Client(), Client()
    decided.post(
        "/api/v1/consent", {"categories": {"analytics": True}}, content_type="application/json"
    )
    counter = iter(range(10**9))

    def webhook() -> None:
        body = calcom_body(uid=f"bk-{next(counter)}")
        Client().post(
            "/hooks/calcom/", body, content_type="application/json", **signed(body, "bench-secret")
        )

    cases = {
        "GET /healthz (baseline)": lambda: Client().get("/healthz"),
        "GET / first visit (banner shown)": lambda: Client().get("/"),
        "GET / with a stored choice": lambda: decided.get("/"),
        "GET /privacy/ with a stored choice": lambda: decided.get("/privacy/"),
        "POST /api/v1/consent": lambda: chooser.post(
            "/api/v1/consent", {"categories": {"analytics": False}}, content_type="application/json"
        ),
        "POST /hooks/calcom/ (signed, new booking)": webhook,
    }
    # Interleaved rounds: a busy machine slows every case of a round alike, so the median
    # of per-round ratios is steadier than one long run per case.
    ratios: dict[str, list[float]] = {label: [] for label in cases}
    rates: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(ROUNDS):
        measured = {label: rate(label, call, seconds=0.6) for label, call in cases.items()}
        baseline = measured["GET /healthz (baseline)"]
        for label, value in measured.items():
            rates[label].append(value)
            ratios[label].append(value / baseline)
    summary = {label: statistics.median(values) for label, values in ratios.items()}
    for label, ratio in summary.items():
        print(
            f"{label:45s} {statistics.median(rates[label]):8.0f}/s  "
            f"median ratio to baseline {ratio:5.2f}"
        )
    print(json.dumps({k: round(v, 3) for k, v in summary.items()}))


if __name__ == "__main__":
    main()
