"""Recipients that fail: 401, 403 quota, 429, 5xx for hours, a worker killed mid-erasure.

Each ends in a clear state on the desk, in words; one failing recipient never hides what
the others did (fides#2048), and nothing that must happen once happens twice.
"""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from integrations.calcom.client import CANCEL_BOOKING, CalcomClient
from rights.models import RightsRequest, Step
from rights.services.runner import CLAIM, _claim, run_step, sweep_stuck_steps

from .helpers import lead, run_steps, verified
from .recipients import PROPERTY_ID, booked, ga_client_id, in_kommo

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "ivan.petrov@example.com"


def _erasure(kommo=None, calcom=None, google=None) -> tuple[RightsRequest, dict]:
    captured = lead(email=EMAIL)
    held = {}
    if kommo is not None:
        held["contact"], held["lead"] = in_kommo(kommo, captured)
    if calcom is not None:
        held["uid"] = booked(calcom, captured, days=3)
    if google is not None:
        held["client_id"] = ga_client_id(captured)
    request = verified("erasure", email=EMAIL)
    run_steps(request)
    return request, held


def _step(request: RightsRequest, name: str) -> Step:
    return request.steps.filter(name=name).order_by("pk").first()


def _run_until_settled(step: Step, *, limit: int = 40) -> Step:
    """Run a retrying step at each of its next attempts (the clock moved, never slept)."""
    for _ in range(limit):
        step.refresh_from_db()
        if step.state not in Step.RUNNABLE:
            break
        with time_machine.travel(step.next_attempt_at + timedelta(seconds=1), tick=False):
            run_step(step_id=step.pk)
    step.refresh_from_db()
    return step


def test_kommo_answering_401_fails_its_steps_in_words_and_the_others_are_done(
    kommo, calcom, google, settings
):
    settings.KOMMO_ACCESS_TOKEN = "a-revoked-token"
    request, held = _erasure(kommo, calcom, google)

    kommo_steps = request.steps.filter(name="kommo.erase")
    assert {s.state for s in kommo_steps} == {Step.State.FAILED}
    assert all(
        "answered 401" in s.message and "KOMMO_ACCESS_TOKEN" in s.message for s in kommo_steps
    )
    assert kommo.patches == []
    assert _step(request, "calcom.cancel").state == Step.State.DONE
    assert _step(request, "google.user_deletion").state == Step.State.VENDOR_PENDING
    assert _step(request, "local.erase").state == Step.State.DONE
    assert calcom.bookings[held["uid"]]["status"] == "cancelled"
    assert request.status == RightsRequest.Status.ERROR


def test_a_spent_google_quota_retries_later_and_says_so_on_the_desk(google):
    google.quota[PROPERTY_ID].today = google.quota[PROPERTY_ID].per_day
    request, _ = _erasure(google=google)

    step = _step(request, "google.user_deletion")
    assert step.state == Step.State.RETRYING
    assert "403" in step.message and "dailyLimitExceeded" in step.message
    assert step.next_attempt_at > timezone.now()
    assert request.status == RightsRequest.Status.IN_PROCESSING
    assert google.deletions == []

    google.quota[PROPERTY_ID].today = 0  # the next quota day
    step = _run_until_settled(step)
    assert step.state == Step.State.VENDOR_PENDING and step.receipt["deletionRequestTime"]
    assert len(google.deletions) == 1


def test_calcom_answering_429_retries_after_its_retry_after(calcom):
    calcom.fail_next.extend([429])
    request, held = _erasure(calcom=calcom)

    step = _step(request, "calcom.cancel")
    assert step.state == Step.State.RETRYING and "429" in step.message
    assert step.next_attempt_at - step.updated_at >= timedelta(seconds=60)
    step = _run_until_settled(step)
    assert step.state == Step.State.DONE
    assert calcom.bookings[held["uid"]]["status"] == "cancelled"


def test_kommo_down_for_hours_retries_then_fails_and_the_rest_is_done(kommo, calcom, google):
    kommo.down = True
    kommo.rate_limit = None  # every try gets through to the outage, none to the limiter
    request, _ = _erasure(kommo, calcom, google)

    step = _step(request, "kommo.erase")
    assert step.state == Step.State.RETRYING and "503" in step.message
    step = _run_until_settled(step)

    assert step.state == Step.State.FAILED
    assert "503" in step.message and "gave up after 12 attempts" in step.message
    assert _step(request, "calcom.cancel").state == Step.State.DONE
    assert _step(request, "google.user_deletion").state == Step.State.VENDOR_PENDING
    assert _step(request, "local.erase").state == Step.State.DONE


def test_a_worker_killed_after_calcom_cancelled_resumes_and_cancels_once(calcom):
    captured = lead(email=EMAIL)
    uid = booked(calcom, captured, days=3)
    request = verified("erasure", email=EMAIL)
    locate = request.steps.get(name="locate")
    run_step(step_id=locate.pk)
    step = request.steps.get(name="calcom.cancel")
    # The worker claimed the step and Cal.com cancelled; then the worker died unrecorded.
    assert _claim(step.pk, timezone.now()) is not None
    with CalcomClient(api_key=calcom.api_key, base_url=calcom.url) as client:
        client.cancel_booking(uid, reason="sent by the worker that died")
    assert run_step(step_id=step.pk) == "not runnable now"  # its claim still holds

    with time_machine.travel(timezone.now() + CLAIM + timedelta(minutes=6), tick=False):
        assert sweep_stuck_steps() >= 1
        assert run_step(step_id=step.pk) == Step.State.DONE

    step.refresh_from_db()
    assert step.message == f"booking {uid} was already cancelled at Cal.com"
    assert len(calcom.calls("POST", CANCEL_BOOKING.format(uid=uid))) == 1


def test_a_kommo_step_rerun_after_a_dead_worker_leaves_the_same_record(kommo):
    request, held = _erasure(kommo)
    contact_step = request.steps.get(name="kommo.erase", target=f"contacts:{held['contact']}")
    before = dict(kommo.contacts[held["contact"]])

    # The desk retries a done step: nothing happens; a rerun PATCH would also change nothing.
    from rights.services.runner import retry_step

    retry_step(step_id=contact_step.pk, actor="dpo")
    run_steps(request)
    assert kommo.contacts[held["contact"]]["tags"] == before["tags"] == ["gdpr-erased"]
    assert len([p for e, p in kommo.patches if e == "contacts"]) == 1
