import json

import pytest

from capture.models import Lead
from consent.models import ConsentRecord
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


def test_a_flood_gets_429(client, settings):
    settings.LEAD_RATE_LIMIT = "2/m"
    statuses = [_post(client, lead_payload()).status_code for _ in range(4)]
    assert statuses == [201, 201, 429, 429]
    assert Lead.objects.count() == 2


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
