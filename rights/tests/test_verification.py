from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from rights.models import RightsRequest, Step
from rights.services.intake import submit_request, validate_request
from rights.tokens import verification_token

from .helpers import lead, links, run_steps, verified

pytestmark = pytest.mark.django_db


def _submitted(right="access", email="ivan.petrov@example.com", phone=""):
    data = validate_request(right=right, email=email, phone=phone, details="")
    return submit_request(data=data, channel="api", language="en")


def _link(request) -> str:
    token = verification_token(reference=request.reference, nonce=request.verify_nonce)
    return f"/rights/verify/{token}/"


def test_opening_the_link_acts_on_nothing(client):
    request = _submitted()
    response = client.get(_link(request))
    assert response.status_code == 200 and b"Confirm my request" in response.content
    request.refresh_from_db()
    assert request.verified_at is None and request.status == "received"
    assert not request.steps.exists()


def test_confirming_verifies_and_starts_with_locate(client):
    request = _submitted()
    assert client.post(_link(request)).status_code == 200
    request.refresh_from_db()
    assert request.verified_via == "email" and request.status == "in_processing"
    assert list(request.steps.values_list("name", flat=True)) == ["locate"]


def test_a_reused_link_shows_a_clear_page_and_does_nothing_more(client):
    request = _submitted()
    link = _link(request)
    client.post(link)
    again = client.post(link)
    assert again.status_code == 410 and b"used already" in again.content
    assert request.steps.count() == 1


def test_an_expired_link_shows_a_clear_page_and_acts_on_nothing(client):
    request = _submitted()
    link = _link(request)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        response = client.post(link)
    assert response.status_code == 410 and b"expired" in response.content
    request.refresh_from_db()
    assert request.verified_at is None


def test_a_forged_link_shows_a_clear_page(client):
    request = _submitted()
    forged = _link(request).replace("/verify/", "/verify/x")
    response = client.post(forged)
    assert response.status_code == 400 and b"not valid" in response.content
    request.refresh_from_db()
    assert request.verified_at is None


def test_the_link_goes_only_to_the_address_given(mailoutbox, django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    from rights.tasks import send_request_mail

    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        request = _submitted(email="Someone@Example.org")
    for result in default_task_backend.results:
        if result.task == send_request_mail:
            send_request_mail.call(*result.args)
    (mail,) = mailoutbox
    assert mail.to == ["someone@example.org"]
    assert links(mail.body, "verify") == [_link(request)]


def test_approval_required_holds_a_verified_request_for_the_dpo(settings):
    settings.RIGHTS_REQUIRE_APPROVAL = True
    request = verified("erasure")
    assert request.status == RightsRequest.Status.PENDING and not request.steps.exists()


def test_a_mistyped_phone_next_to_a_verified_email_finds_no_one_else():
    ivan = lead()
    other = lead(phone="+79031234567", email="other@example.com", name="Olga")
    request = verified("access", email="ivan.petrov@example.com", phone="+79031234567")
    run_steps(request)
    locate = request.steps.get(name="locate")
    assert locate.receipt["subject_ids"] == [ivan.subject_id]
    assert other.subject_id not in locate.receipt["subject_ids"]


def test_two_requests_for_the_same_person_at_once_each_end_complete():
    lead()
    first, second = verified("access"), verified("restriction")
    run_steps(first)
    run_steps(second)
    assert first.status == second.status == RightsRequest.Status.COMPLETE
    assert Step.objects.filter(state=Step.State.DONE).count() == 4
