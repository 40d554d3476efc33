import json

import pytest

from audit.models import AuditEvent
from capture.models import Lead
from consent.models import ConsentRecord
from crm.models import OutboxMessage
from subjects.models import Subject

from .factories import lead_payload

pytestmark = pytest.mark.django_db


def _post(client, body, content_type="application/json", **extra):
    if not isinstance(body, str | bytes):
        body = json.dumps(body)
    return client.post(
        "/api/v1/leads", body, content_type=content_type, REMOTE_ADDR="95.31.18.119", **extra
    )


def test_a_valid_lead_returns_201_with_its_id(client):
    response = _post(client, lead_payload())
    assert response.status_code == 201
    lead = Lead.objects.get()
    assert response.json() == {"id": lead.pk}
    assert lead.channel == "api" and lead.phone == "+79161234567"
    assert ConsentRecord.objects.get().method == "api: consent=true"


def test_optional_fields_may_be_missing_or_null(client):
    response = _post(
        client, {"name": "Anna", "phone": "+49 30 901820", "consent": True, "email": None}
    )
    assert response.status_code == 201
    assert Lead.objects.get().email is None


def test_invalid_fields_get_422_with_a_message_each(client):
    response = _post(client, lead_payload(name="", phone="123", email="x@", consent=False))
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert set(errors) == {"name", "phone", "email", "consent"}
    assert Lead.objects.count() == Subject.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5, "phone": "+79161234567", "consent": True},
        {"name": "Ivan", "phone": 79161234567, "consent": True},
        {"name": "Ivan", "phone": "+79161234567", "consent": "yes"},
        {"name": "Ivan", "phone": "+79161234567", "consent": 1},
        {"name": ["Ivan"], "phone": "+79161234567", "consent": True},
    ],
)
def test_wrong_types_get_422_naming_the_field(client, body):
    response = _post(client, body)
    assert response.status_code == 422
    assert response.json()["errors"]
    assert Lead.objects.count() == 0


def test_missing_required_fields_are_named(client):
    response = _post(client, {"email": "a@b.co"})
    assert response.status_code == 422
    assert {"name", "phone", "consent"} <= set(response.json()["errors"])


@pytest.mark.parametrize("body", ["not json", '{"name": ', b"\xff\xfe"])
def test_a_body_that_is_not_json_gets_400(client, body):
    response = _post(client, body)
    assert response.status_code == 400
    assert Lead.objects.count() == 0


def test_a_json_array_is_not_a_lead(client):
    assert _post(client, [lead_payload()]).status_code == 422


@pytest.mark.usefixtures("one_rate_window")
def test_a_flood_gets_429(client, settings):
    settings.LEAD_RATE_LIMIT = "2/m"
    statuses = [_post(client, lead_payload()).status_code for _ in range(4)]
    assert statuses == [201, 201, 429, 429]
    assert Lead.objects.count() == 2


@pytest.mark.usefixtures("one_rate_window")
def test_a_refused_lead_leaves_no_record_and_no_consent_cookie(client, settings):
    """The count is the transaction's last statement: a refusal rolls back the rows before it."""
    settings.LEAD_RATE_LIMIT = "1/m"
    assert _post(client, lead_payload()).status_code == 201
    client.cookies.clear()  # a second visitor behind the same address
    refused = _post(client, lead_payload(phone="+79161112233"))
    assert refused.status_code == 429
    assert "lk_consent" not in refused.cookies
    assert Lead.objects.count() == ConsentRecord.objects.count() == Subject.objects.count() == 1
    assert AuditEvent.objects.filter(action="lead.captured").count() == 1
    assert OutboxMessage.objects.count() == 1


@pytest.mark.usefixtures("one_rate_window")
def test_the_rate_limit_is_per_address(client, settings):
    settings.LEAD_RATE_LIMIT = "1/m"
    assert _post(client, lead_payload()).status_code == 201
    other = client.post(
        "/api/v1/leads",
        json.dumps(lead_payload()),
        content_type="application/json",
        REMOTE_ADDR="81.2.69.160",
    )
    assert other.status_code == 201


def test_the_api_needs_no_csrf_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/api/v1/leads", json.dumps(lead_payload()), content_type="application/json"
    )
    assert response.status_code == 201


def test_openapi_document_and_docs_are_served_without_a_cdn(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/leads" in spec["paths"]
    docs = client.get("/api/docs").content.decode()
    assert "cdn" not in docs.lower()
    assert "/static/ninja/" in docs


# --- Issue 15 item 3: no cross-site leads, bot defences on the JSON path ---------------------


def test_a_text_plain_post_from_a_foreign_page_gets_415_and_stores_nothing(client):
    response = _post(
        client, lead_payload(), content_type="text/plain", HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 415
    assert "lk_consent" not in response.cookies
    assert Lead.objects.count() == ConsentRecord.objects.count() == 0


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_only_application_json_is_accepted(client, content_type):
    response = _post(client, lead_payload(), content_type=content_type)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_a_json_post_from_a_foreign_page_gets_403(client):
    response = _post(client, lead_payload(), HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 403
    assert "lk_consent" not in response.cookies
    assert Lead.objects.count() == 0


def test_a_declared_partner_landing_may_post_leads(client, settings):
    settings.PARTNER_ORIGINS = ["https://partner.example"]
    response = _post(client, lead_payload(), HTTP_ORIGIN="https://partner.example")
    assert response.status_code == 201


def _from_our_page(client, **fields):
    return _post(client, lead_payload(**fields), HTTP_ORIGIN="http://testserver")


def test_a_post_from_our_own_page_needs_the_signed_render_time(client):
    response = _from_our_page(client)
    assert response.status_code == 422
    assert Lead.objects.count() == 0


def test_a_post_from_our_own_page_sent_too_fast_or_with_the_honeypot_is_refused(client):
    import time_machine

    from capture.forms import sign_render_time

    with time_machine.travel("2026-11-01 10:00:00Z", tick=False) as clock:
        stamp = sign_render_time()
        clock.shift(1)
        assert _from_our_page(client, rendered_at=stamp).status_code == 422
        clock.shift(10)
        assert _from_our_page(client, rendered_at=stamp, website="x").status_code == 422
        assert _from_our_page(client, rendered_at=stamp).status_code == 201
    assert Lead.objects.count() == 1


def test_turnstile_when_configured_applies_to_api_leads(client, settings):
    settings.TURNSTILE_SECRET_KEY = "1x0000000000000000000000000000000AA"
    response = _post(client, lead_payload())
    assert response.status_code == 422
    assert "turnstile_token" in response.json()["errors"]
    assert Lead.objects.count() == 0


def test_an_unknown_field_is_named_in_a_422_rather_than_dropped(client):
    response = _post(client, lead_payload(phon="+7 916 123-45-67"))
    assert response.status_code == 422
    assert "phon" in response.json()["errors"]
    assert Lead.objects.count() == 0
