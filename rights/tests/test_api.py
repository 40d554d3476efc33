import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consent.models import WithdrawalRequest
from rights.models import RightsRequest

from .helpers import lead, post_request

pytestmark = pytest.mark.django_db


def _post(client, ip="95.31.18.119", **body):
    return client.post(
        "/api/v1/rights-requests", json.dumps(body), content_type="application/json", REMOTE_ADDR=ip
    )


def test_known_and_unknown_people_get_the_same_answer_and_the_same_database_work(client):
    lead()
    with CaptureQueriesContext(connection) as known:
        first = _post(client, right="erasure", email="ivan.petrov@example.com")
    with CaptureQueriesContext(connection) as unknown:
        second = _post(client, right="erasure", email="stranger@example.org", ip="95.31.18.120")
    assert first.status_code == second.status_code == 202
    assert set(first.json()) == set(second.json()) == {"reference", "status"}
    assert first.json()["status"] == second.json()["status"] == "received"
    assert len(known.captured_queries) == len(unknown.captured_queries)
    # No look-up of the person before verification.
    assert not any("capture_" in q["sql"] for q in known.captured_queries)


def test_an_unknown_right_is_422_naming_the_field(client):
    response = _post(client, right="forget_me", email="a@example.com")
    assert response.status_code == 422
    assert "right" in response.json()["errors"]
    assert RightsRequest.objects.count() == 0


def test_neither_email_nor_phone_is_422(client):
    response = _post(client, right="access")
    assert response.status_code == 422 and "__all__" in response.json()["errors"]


def test_a_mistyped_email_and_phone_are_422_each_named(client):
    response = _post(client, right="access", email="ivan@", phone="12")
    assert set(response.json()["errors"]) == {"email", "phone"}


def test_a_missing_right_is_422(client):
    assert "right" in _post(client, email="a@example.com").json()["errors"]


def test_a_flood_from_one_address_is_429(client, settings):
    settings.RIGHTS_RATE_LIMIT = "2/h"
    for n in range(2):
        post_request(client, right="access", email=f"p{n}@example.com")
    response = _post(client, right="access", email="p3@example.com")
    assert response.status_code == 429


def test_a_flood_for_one_identifier_from_many_addresses_is_429(client, settings):
    settings.RIGHTS_IDENTIFIER_RATE_LIMIT = "2/d"
    for n in range(2):
        assert (
            _post(client, ip=f"95.31.18.{n}", right="access", email="a@example.com").status_code
            == 202
        )
    response = _post(client, ip="95.31.18.99", right="access", email="A@Example.com")
    assert response.status_code == 429


def test_a_phone_only_request_sends_no_mail_and_waits_for_a_call(client, mailoutbox):
    reference = post_request(client, right="access", phone="+7 916 123-45-67")["reference"]
    request = RightsRequest.objects.get(reference=reference)
    assert request.verify_nonce == "" and request.status == "received"
    assert mailoutbox == []


def test_a_withdrawal_on_the_consent_page_becomes_a_running_withdrawal_request():
    from capture.tests.factories import request_context
    from consent.services import withdraw_form_consent

    captured = lead()
    grant = captured.consents.get()
    withdrawal = withdraw_form_consent(
        consent_id=grant.consent_id,
        record_id=grant.pk,
        context=request_context(),
        method="consent page",
    )
    request = RightsRequest.objects.get(withdrawal_request_id=withdrawal.pk)
    assert request.right == "withdrawal" and request.verified_via == "consent"
    assert request.status == "in_processing"
    assert request.steps.get().params == {"subject_id": captured.subject_id}
    assert WithdrawalRequest.objects.get(pk=withdrawal.pk).state == "open"


def test_the_request_records_the_language_of_the_api_call(client):
    response = client.post(
        "/api/v1/rights-requests",
        json.dumps({"right": "access", "email": "ivan.petrov@example.com"}),
        content_type="application/json",
        REMOTE_ADDR="95.31.18.119",
        HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9,en;q=0.5",
    )
    assert response.status_code == 202
    assert RightsRequest.objects.get(reference=response.json()["reference"]).language == "ru"


def test_the_verification_mail_is_written_in_the_requests_language(client, mailoutbox):
    client.post(
        "/rights/",
        {"right": "erasure", "email": "ivan.petrov@example.com"},
        HTTP_ACCEPT_LANGUAGE="ru",
        REMOTE_ADDR="95.31.18.119",
    )
    from rights.mail import send_request_mail

    request = RightsRequest.objects.get()
    assert request.language == "ru" and request.channel == "web"
    send_request_mail(request_id=request.pk, kind="verify")
    (mail,) = mailoutbox
    assert "Подтвердите" in mail.subject and "удаление (ст. 17)" in mail.body
