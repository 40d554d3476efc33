from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from rights.models import RightsRequest
from rights.services.intake import register_desk_request, validate_request

from .helpers import post_request, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo(client):
    user = User.objects.create_user("dpo", password="x-long-password-1")
    user.groups.add(Group.objects.get_or_create(name="dpo")[0])
    client.force_login(user)
    return user


def _phone_request(received_at=None) -> RightsRequest:
    data = validate_request(right="erasure", email="", phone="+7 916 123-45-67", details="")
    return register_desk_request(data=data, actor="staff:1", received_at=received_at)


def test_the_desk_is_for_the_dpo_only(client):
    user = User.objects.create_user("sales", password="x-long-password-1")
    client.force_login(user)
    assert client.get("/desk/rights/").status_code == 302


def test_the_list_orders_by_days_left_and_flags_the_last_week(client, dpo):
    later = _phone_request()
    sooner = _phone_request(received_at=timezone.now() - timedelta(days=25))
    page = client.get("/desk/rights/").content.decode()
    assert page.index(sooner.reference) < page.index(later.reference)
    assert "⚠" in page and "call back to verify" in page


def test_staff_confirm_a_phone_request_and_it_runs(client, dpo):
    request = _phone_request()
    response = client.post(f"/desk/rights/{request.pk}/act/", {"action": "phone_verified"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.verified_via == "phone" and request.status == "in_processing"
    assert request.verified_by == f"staff:{dpo.pk}"


def test_the_dpo_registers_a_request_that_came_by_post(client, dpo):
    response = client.post("/desk/rights/", {"right": "access", "phone": "+79161234567"})
    assert response.status_code == 302
    assert RightsRequest.objects.get().channel == "desk"


def test_the_dpo_chooses_the_language_a_posted_request_is_answered_in(client, dpo):
    body = {"right": "access", "phone": "+79161234567", "language": "ru"}
    assert client.post("/desk/rights/", body).status_code == 302
    assert RightsRequest.objects.get().language == "ru"


def test_approval_from_the_desk_starts_a_held_request(client, dpo, settings):
    settings.RIGHTS_REQUIRE_APPROVAL = True
    request = verified("access")
    client.post(f"/desk/rights/{request.pk}/act/", {"action": "approve"})
    request.refresh_from_db()
    assert request.status == "in_processing" and request.approved_by == f"staff:{dpo.pk}"


def test_an_extension_is_sent_with_its_reasons_and_refused_the_second_time(
    client, dpo, mailoutbox, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    from rights.tasks import send_request_mail

    reference = post_request(client, right="access", email="a@example.com")["reference"]
    request = RightsRequest.objects.get(reference=reference)
    due = request.due_at
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/desk/rights/{request.pk}/act/",
            {"action": "extend", "months": "2", "reasons": "Many systems to search"},
        )
    for result in default_task_backend.results:
        if result.task == send_request_mail:
            send_request_mail.call(*result.args)
    request.refresh_from_db()
    assert request.due_at > due + timedelta(days=55)
    assert "Many systems to search" in mailoutbox[-1].body
    response = client.post(
        f"/desk/rights/{request.pk}/act/",
        {"action": "extend", "months": "1", "reasons": "again"},
        follow=True,
    )
    assert "extended already" in response.content.decode()


def test_the_detail_page_shows_every_step_line(client, dpo):
    request = verified("access")
    response = client.get(f"/desk/rights/{request.pk}/")
    assert response.status_code == 200 and "locate" in response.content.decode()


def test_the_daily_digest_goes_to_the_dpo(settings, mailoutbox):
    from rights.mail import send_digest

    settings.DPO_EMAIL = "dpo@example.com"
    _phone_request(received_at=timezone.now() - timedelta(days=27))
    assert send_digest().startswith("digest of 1")
    assert "1 due within 7 days" in mailoutbox[0].subject
    assert mailoutbox[0].to == ["dpo@example.com"]


def test_a_paused_request_runs_no_step_until_resumed(client, dpo):
    from rights.services.runner import run_step

    request = verified("access")
    client.post(f"/desk/rights/{request.pk}/act/", {"action": "pause"})
    locate = request.steps.get()
    assert run_step(step_id=locate.pk) == "not runnable now"
    client.post(f"/desk/rights/{request.pk}/act/", {"action": "resume"})
    assert run_step(step_id=locate.pk) == "done"


def test_the_desk_retries_a_failed_step(client, dpo):
    request = verified("access")
    locate = request.steps.get()
    locate.state, locate.message = "failed", "gave up"
    locate.save()
    client.post(f"/desk/rights/{request.pk}/act/", {"action": "retry", "step": locate.pk})
    locate.refresh_from_db()
    assert locate.state == "pending" and locate.attempts == 0


def test_a_phone_erasure_ends_with_only_blind_indexes_kept(client, dpo):
    from rights.mail import send_request_mail

    from .helpers import lead, run_steps

    lead()
    request = _phone_request()
    client.post(f"/desk/rights/{request.pk}/act/", {"action": "phone_verified"})
    run_steps(request)
    assert request.status == "complete" and request.steps.get(name="locate").receipt["subject_ids"]
    assert send_request_mail(request_id=request.pk, kind="outcome").startswith("no email")
    request.refresh_from_db()
    assert request.phone is None and request.phone_index and request.personal_data_cleared_at


def test_the_dpo_applies_a_correction_on_the_desk_and_the_kommo_step_is_released(client, dpo):
    from capture.models import Lead

    from .helpers import lead, run_steps

    captured = lead()
    Lead.objects.filter(pk=captured.pk).update(kommo_contact_id=72)
    request = verified("rectification", details="my phone is +7 916 765-43-21")
    run_steps(request)
    local = request.steps.get(name="local.rectify")
    page = client.get(f"/desk/rights/{request.pk}/").content.decode()
    assert 'value="rectify"' in page

    body = {"action": "rectify", "step": local.pk, "phone": "+7 916 765-43-21"}
    client.post(f"/desk/rights/{request.pk}/act/", body)

    corrected = Lead.objects.get(pk=captured.pk)
    assert corrected.phone == "+79167654321"
    local.refresh_from_db()
    assert local.state == "done" and local.receipt["corrected"] == ["phone"]
    assert request.steps.get(name="kommo.rectify").state == "pending"
    captured.subject.refresh_from_db()
    assert captured.subject.phone_index == corrected.phone_index


def test_a_correction_that_is_not_a_phone_is_refused_and_changes_nothing(client, dpo):
    from capture.models import Lead

    from .helpers import lead, run_steps

    captured = lead()
    request = verified("rectification")
    run_steps(request)
    local = request.steps.get(name="local.rectify")
    body = {"action": "rectify", "step": local.pk, "phone": "not a phone"}
    response = client.post(f"/desk/rights/{request.pk}/act/", body, follow=True)
    assert "Enter a phone number" in response.content.decode()
    assert Lead.objects.get(pk=captured.pk).phone == "+79161234567"
    local.refresh_from_db()
    assert local.state == "waiting"
