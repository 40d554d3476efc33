import logging
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from capture.forms import sign_render_time
from capture.models import Lead
from consent.models import ConsentRecord
from crm.models import OutboxMessage
from subjects.models import Subject

from .factories import CHROME_DESKTOP, lead_payload

pytestmark = pytest.mark.django_db


def _form_data(**overrides: object) -> dict:
    data = lead_payload(**overrides)
    data["consent"] = "on" if data.get("consent") else ""
    data.setdefault("website", "")
    return data


def _rendered_long_ago() -> str:
    with time_machine.travel(timezone.now() - timedelta(minutes=2), tick=False):
        return sign_render_time()


def _post(client: Client, **overrides: object):
    data = _form_data(**overrides)
    data.setdefault("rendered_at", _rendered_long_ago())
    return client.post(
        "/contact/", data, HTTP_USER_AGENT=CHROME_DESKTOP, REMOTE_ADDR="95.31.18.119"
    )


def test_landing_page_shows_the_form_with_an_unticked_consent_box(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="consent"' in html and 'name="consent" id="id_consent" checked' not in html
    assert 'href="/privacy/"' in html
    assert 'name="rendered_at"' in html


def test_a_valid_submission_stores_the_lead_and_shows_thanks(client):
    response = _post(client)
    assert response.status_code == 302
    lead = Lead.objects.get()
    assert lead.channel == "web_form"
    assert lead.browser == "Chrome" and lead.device_type == "desktop"
    assert lead.utm_source == "google"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200
    assert "Thank you, Ivan Petrov!" in thanks.content.decode()


def test_the_thanks_token_cannot_be_forged(client):
    _post(client)
    forged = signing.dumps(Lead.objects.get().pk, salt="someone-else")
    page = client.get(f"/thanks/?t={forged}").content.decode()
    assert "Ivan" not in page and "Thank you!" in page


@pytest.mark.parametrize(
    ("overrides", "field_error"),
    [
        ({"name": ""}, "Tell us your name"),
        ({"phone": "12"}, "phone number"),
        ({"email": "bad@"}, "valid email"),
        ({"consent": False}, "Please agree"),
        ({"name": "x" * 201}, "at most 200 characters"),
    ],
)
def test_invalid_input_rerenders_with_errors_and_keeps_typed_values(client, overrides, field_error):
    response = _post(client, **overrides)
    html = response.content.decode()
    assert response.status_code == 422
    assert field_error in html
    assert "We need Kommo for 12 managers" in html  # what the person typed is kept
    assert Lead.objects.count() == Subject.objects.count() == 0


def test_a_filled_honeypot_gets_thanks_but_stores_nothing(client):
    response = _post(client, website="http://spam.example")
    assert response.status_code == 302
    assert Lead.objects.count() == 0


def test_a_submission_faster_than_a_person_stores_nothing(client):
    response = _post(client, rendered_at=sign_render_time())
    assert response.status_code == 302
    assert Lead.objects.count() == 0


def test_a_forged_render_stamp_stores_nothing(client):
    response = _post(client, rendered_at="12345")
    assert response.status_code == 302
    assert Lead.objects.count() == 0


@pytest.mark.usefixtures("one_rate_window")
def test_a_flood_from_one_address_gets_429(client, settings):
    settings.LEAD_RATE_LIMIT = "3/m"
    statuses = [_post(client, phone=f"+7916123456{i}").status_code for i in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert Lead.objects.count() == 3


def test_a_database_failure_shows_an_error_not_a_false_thanks(client, monkeypatch):
    from django.db import DatabaseError

    def failing(**kwargs):
        raise DatabaseError("disk I/O error")

    monkeypatch.setattr("capture.views.capture_lead", failing)
    response = _post(client)
    assert response.status_code == 503
    assert "Nothing was stored" in response.content.decode()


def test_no_personal_data_reaches_the_logs(client, caplog):
    caplog.set_level(logging.DEBUG)
    from leadkeeper.logging import RedactPersonalData

    redactor = RedactPersonalData()
    _post(client)
    _post(client, email="bad@", phone="+7 999 000-11-22")
    logging.getLogger("test").warning(
        "oops %s from %s",
        "ivan.petrov@example.com",
        "95.31.18.119",
        extra={"phone": "+7 916 123-45-67"},
    )
    lines = []
    for record in caplog.records:
        redactor.filter(record)
        lines.append(f"{record.getMessage()} {record.extra_ids} {record.exc_text or ''}")
    text = "\n".join(lines)
    assert text  # something was logged and checked
    for secret in (
        "ivan.petrov@example.com",
        "Ivan.Petrov@Example.COM",
        "95.31.18.119",
        "+79161234567",
        "+7 916 123-45-67",
        "916 123",
        "+7 999 000-11-22",
    ):
        assert secret not in text


def test_proof_of_form_consent_records_how_it_was_given(client):
    _post(client)
    record = ConsentRecord.objects.get()
    assert record.method == "web form checkbox"
    assert record.user_agent == CHROME_DESKTOP
    assert OutboxMessage.objects.get().ref == Lead.objects.get().pk


def test_turnstile_when_configured_rejects_a_failed_check(client, settings, monkeypatch):
    from integrations.turnstile.errors import TurnstileRejected

    settings.TURNSTILE_SITE_KEY = "site"
    settings.TURNSTILE_SECRET_KEY = "secret"

    def verify(self, *, token, remote_ip=""):
        raise TurnstileRejected(["invalid-input-response"])

    monkeypatch.setattr("integrations.turnstile.client.TurnstileClient.verify", verify)
    assert 'data-sitekey="site"' in client.get("/").content.decode()
    response = _post(client)
    assert response.status_code == 422
    assert "anti-spam check" in response.content.decode()
    assert Lead.objects.count() == 0


def test_turnstile_outage_does_not_lose_the_lead(client, settings, monkeypatch):
    from integrations.turnstile.errors import TurnstileUnavailable

    settings.TURNSTILE_SECRET_KEY = "secret"

    def verify(self, *, token, remote_ip=""):
        raise TurnstileUnavailable("siteverify answered 502")

    monkeypatch.setattr("integrations.turnstile.client.TurnstileClient.verify", verify)
    assert _post(client).status_code == 302
    assert Lead.objects.count() == 1
