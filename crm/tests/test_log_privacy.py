"""No personal data in logs on any path: form, API and its errors, rate limits, Kommo
delivery, Kommo and Cal.com webhooks, sales emails, staff pages and exports,
staff login failures, and the database outage.

Every path is driven with recognisable values; then every log record (at DEBUG, from every
logger, including those that do not propagate) is searched twice: as the root handler
writes it, and raw (message, arguments and extras), since another handler could be added.
"""

import io
import json
import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from audit.tests.factories import give_read_reason
from booking.tests.factories import SECRET as CALCOM_SECRET
from booking.tests.factories import calcom_body, signed
from capture.models import Lead
from capture.tests.factories import lead_payload
from capture.tests.test_views import _form_data, _rendered_long_ago
from crm.delivery import deliver_batch
from crm.models import OutboxMessage
from crm.notifications import send_sales_notification
from crm.webhook_inbox import apply_stored_webhooks

pytestmark = pytest.mark.django_db

NAME, SURNAME = "Zebulon", "Quixotefield"
PHONE, PHONE_DIGITS = "+7 916 555-01-23", "9165550123"
EMAIL = "zebulon.quixotefield@example.org"
IP = "203.0.113.77"
MESSAGE = "Xylophonic confidential request"
PERSONAL = [NAME, SURNAME, PHONE_DIGITS, "555-01-23", EMAIL, "zebulon.quixotefield", IP, MESSAGE]


@pytest.fixture
def all_logs(settings):
    """Every record from every logger at DEBUG, and the text the root handlers write."""
    root = logging.getLogger()
    configured = next(h for h in root.handlers if isinstance(h, logging.StreamHandler))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(configured.formatter)
    for log_filter in configured.filters:
        handler.addFilter(log_filter)
    records: list[logging.LogRecord] = []
    recorder = logging.Handler(level=logging.DEBUG)
    recorder.emit = records.append
    silent = [logging.getLogger(n) for n in settings.LOGGING["loggers"]]
    targets = [root, *silent]
    saved = [(lg, lg.level) for lg in targets]
    for lg in targets:
        lg.setLevel(logging.DEBUG)
        lg.addHandler(handler)
        lg.addHandler(recorder)
    yield records, stream
    for lg, level in saved:
        lg.setLevel(level)
        lg.removeHandler(handler)
        lg.removeHandler(recorder)


def _raw(record: logging.LogRecord) -> str:
    try:
        text = record.getMessage()
    except Exception:  # a malformed record still shows its parts
        text = f"{record.msg} {record.args}"
    return text + " " + " ".join(str(v) for v in vars(record).values())


def _drive_every_path(client, kommo, settings) -> None:
    settings.SALES_EMAIL = "sales@kommoexpert.test"
    person = {"name": f"{NAME} {SURNAME}", "phone": PHONE, "email": EMAIL, "message": MESSAGE}
    form = _form_data(**person)
    form["rendered_at"] = _rendered_long_ago()
    assert client.post("/contact/", form, REMOTE_ADDR=IP).status_code == 302
    api = json.dumps(lead_payload(**person))
    assert client.post("/api/v1/leads", api, "application/json", REMOTE_ADDR=IP).status_code == 201
    bad = json.dumps(lead_payload(**{**person, "email": f"{EMAIL}@@", "phone": "call me"}))
    assert client.post("/api/v1/leads", bad, "application/json", REMOTE_ADDR=IP).status_code == 422
    for _ in range(12):  # past LEAD_RATE_LIMIT: the 429 path
        client.post("/api/v1/leads", api, "application/json", REMOTE_ADDR=IP)
    kommo.rate_limit = None
    deliver_batch(sleep=lambda s: None)
    for row in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.SALES_NOTIFICATION):
        send_sales_notification(message_id=row.pk)
    assert mail.outbox
    lead = Lead.objects.exclude(kommo_lead_id=None).first()
    settings.KOMMO_WEBHOOK_SECRET = "hook-secret"
    client.post(
        "/hooks/kommo/hook-secret/",
        {
            "leads[status][0][id]": str(lead.kommo_lead_id),
            "leads[status][0][status_id]": "142",
            "leads[status][0][pipeline_id]": "7000",
            "leads[status][0][last_modified]": str(int(timezone.now().timestamp())),
            "account[id]": "31000000",  # the double's account, which is ours
            "account[subdomain]": "kommoexpert",
        },
    )
    apply_stored_webhooks()  # the worker's half of the hook (crm.webhook_inbox)
    settings.CALCOM_WEBHOOK_SECRET = CALCOM_SECRET
    start = (timezone.now() + timedelta(days=2)).strftime("%Y-%m-%dT%H:00:00Z")
    body = calcom_body(email=EMAIL, start=start, created_at=timezone.now().isoformat())
    client.post("/hooks/calcom/", body, content_type="application/json", **signed(body))
    client.post("/hooks/calcom/", b"{not json", content_type="application/json")


def _drive_staff_paths(client) -> None:
    User.objects.create_superuser(EMAIL, password="right-password-123")
    for _ in range(6):  # wrong passwords, then the lockout
        client.post("/admin/login/", {"username": EMAIL, "password": "wrong"}, REMOTE_ADDR=IP)
    client.force_login(User.objects.get(username=EMAIL))
    give_read_reason(client, reason=f"call {NAME} back")
    client.get("/admin/capture/lead/", {"q": PHONE})
    client.get(f"/admin/capture/lead/{Lead.objects.first().pk}/change/")
    for export in ("", "csv", "json"):
        client.post("/desk/consent/", {"q": EMAIL, "format": export})


def test_no_log_line_on_any_path_carries_personal_data(client, kommo, settings, all_logs):
    records, stream = all_logs
    _drive_every_path(client, kommo, settings)
    _drive_staff_paths(client)

    names = {r.msg for r in records}
    # The paths did log: capture, delivery, emails, both webhooks (the search had material).
    assert {
        "capture.lead.captured",
        "crm.delivery.batch",
        "crm.notify.sent",
        "crm.webhook.stored",
        "crm.webhook.applied",
        "booking.webhook.applied",
        "booking.webhook.bad_signature",
    } <= names
    written = stream.getvalue()
    for value in PERSONAL:
        assert value.lower() not in written.lower(), value
        leaking = [r.name + ": " + r.msg for r in records if value.lower() in _raw(r).lower()]
        assert not leaking, (value, leaking)


def test_the_search_would_find_a_leak_in_an_extra(all_logs):
    records, stream = all_logs
    logging.getLogger("crm.probe").warning("crm.probe", extra={"contact": f"{NAME} {SURNAME}"})
    assert any(NAME in _raw(r) for r in records)
    assert NAME in stream.getvalue()  # the root handler writes extras: both searches see it
