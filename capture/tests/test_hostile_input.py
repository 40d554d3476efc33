"""Hostile input in every field: stored as data, shown escaped, inert in every export.

SQL, HTML, script, control characters, right-to-left overrides and spreadsheet formulas go
into each field of the form and the API; the pages that show the lead (thanks, admin list
and detail, the subject admin, the consent desk, the audit trail) must carry no live
markup, and the CSV and JSON downloads no formula, no markup and no bidi override.
"""

import csv
import io
import json

import pytest
from django.contrib.auth.models import User

from audit.tests.factories import give_read_reason
from capture.models import Lead

from .factories import CHROME_DESKTOP, lead_payload
from .test_views import _form_data, _rendered_long_ago

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert('lk')</script>",
    '"><img src=x onerror=alert(1)>',
    "Robert'); DROP TABLE capture_lead;--",
    "' OR '1'='1",
    '=HYPERLINK("http://evil.test","open")',
    "+1+1",
    "@SUM(A1)",
    "\u202egnp.exe\u202c",
    "bell\x07null\x00escape\x1b[31m",
]
TEXT_FIELDS = [
    "name",
    "message",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "gclid",
    "yclid",
    "fbclid",
    "referrer",
    "landing_page",
]
ALL_IN_ONE = (
    "Ivan <script>alert('lk')</script><img src=x onerror=alert(1)> \u202e=1+1 '; DROP TABLE x;--"
)
LIVE_MARKUP = ("<script>alert(", "<img src=x", "onerror=alert(1)>")


def _no_live_markup(html: str) -> None:
    for needle in LIVE_MARKUP:
        assert needle not in html, needle


@pytest.mark.parametrize("field", [*TEXT_FIELDS, "phone", "email"])
def test_every_api_field_takes_any_payload_without_a_server_error(client, field):
    for number, payload in enumerate(PAYLOADS):
        before = Lead.objects.count()
        response = client.post(
            "/api/v1/leads",
            json.dumps(lead_payload(**{field: payload})),
            content_type="application/json",
            REMOTE_ADDR=f"198.51.100.{number + 1}",
        )
        assert response.status_code in (201, 422), (field, payload, response.content)
        if response.status_code == 422:
            assert response.json()["errors"] and Lead.objects.count() == before
        else:
            stored = Lead.objects.get(pk=response.json()["id"])
            assert "\x00" not in (getattr(stored, field) or "")


def test_every_form_field_takes_a_payload_and_the_thanks_page_escapes_it(client):
    data = _form_data(**{f: ALL_IN_ONE for f in TEXT_FIELDS})
    data["rendered_at"] = _rendered_long_ago()
    response = client.post("/contact/", data, HTTP_USER_AGENT=CHROME_DESKTOP, follow=True)
    assert response.status_code == 200 and response.redirect_chain[-1][0].startswith("/thanks/")
    html = response.content.decode()
    _no_live_markup(html)
    assert "&lt;script&gt;alert(" in html
    lead = Lead.objects.get()
    assert lead.name.startswith("Ivan <script>") and "\u202e" not in lead.name + lead.message
    assert lead.utm_source.startswith("ivan <script>")


def test_the_landing_page_escapes_hostile_query_parameters(client):
    html = client.get("/", {"utm_source": PAYLOADS[0], "ref": PAYLOADS[1]}).content.decode()
    _no_live_markup(html)


@pytest.fixture
def hostile_lead(client):
    data = _form_data(**{f: ALL_IN_ONE for f in TEXT_FIELDS})
    data["rendered_at"] = _rendered_long_ago()
    client.post("/contact/", data, HTTP_USER_AGENT=f"Mozilla/5.0 {ALL_IN_ONE}")
    client.cookies.clear()
    return Lead.objects.get()


@pytest.fixture
def staff(client):
    client.force_login(User.objects.create_superuser("boss", password="pw-for-tests-only"))
    give_read_reason(client, reason=PAYLOADS[1])  # staff input is escaped too
    return client


def test_the_staff_pages_show_a_hostile_lead_escaped(hostile_lead, staff):
    pages = [
        "/admin/capture/lead/",
        f"/admin/capture/lead/{hostile_lead.pk}/change/",
        f"/admin/subjects/subject/{hostile_lead.subject_id}/change/",
        f"/desk/audit/?subject={hostile_lead.subject_id}",
        "/admin/audit/auditevent/",
    ]
    for url in pages:
        response = staff.get(url)
        assert response.status_code == 200, url
        _no_live_markup(response.content.decode())
    detail = staff.get(f"/admin/capture/lead/{hostile_lead.pk}/change/").content.decode()
    assert "&lt;script&gt;alert(" in detail
    desk = staff.post("/desk/consent/", {"q": "ivan.petrov@example.com"})
    assert desk.status_code == 200 and "1 record" in desk.content.decode()
    _no_live_markup(desk.content.decode())


def test_the_consent_exports_neutralise_a_hostile_user_agent(hostile_lead, staff):
    query = {"q": "ivan.petrov@example.com"}
    csv_body = staff.post("/desk/consent/", {**query, "format": "csv"}).content.decode()
    rows = list(csv.reader(io.StringIO(csv_body)))
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")]
    assert "\u202e" not in csv_body and "<U+202E>" in csv_body

    raw = staff.post("/desk/consent/", {**query, "format": "json"}).content.decode()
    _no_live_markup(raw)
    assert "<" not in raw and "\u202e" not in raw
    body = json.loads(raw)  # still exactly the stored values once decoded
    assert body["records"][0]["user_agent"].endswith("'; DROP TABLE x;--")
    assert "\u202e" in body["records"][0]["user_agent"]
