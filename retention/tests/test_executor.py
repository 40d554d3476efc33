"""Expired records reach the recipients: the scheduled job anonymises them at Kommo and Cal.com.

End to end: the sweep leaves the action, the scheduler wakes `retention.recipient_actions`,
the task carries it out against the local doubles, and the action settles once with the
recipient's receipt in the audit log.
"""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django_tasks import default_task_backend
from django_tasks.base import TaskResultStatus

from audit.models import AuditEvent
from booking.models import Booking
from capture.models import Lead
from crm.tests.factories import make_lead
from leadkeeper.scheduling import enqueue_if_leader
from retention.models import RecipientAction
from retention.schedule import JOBS
from retention.services import executor
from retention.services.sweep import sweep

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
EXPIRED = datetime(2029, 1, 16, 10, 0, tzinfo=UTC)  # 3 years and a day after T0 (policy §5)
ERASED = "gdpr-erased"


class WorkerKilled(BaseException):
    """Not an Exception: nothing in the job catches it, as nothing catches a SIGKILL."""


def run_job() -> list[str]:
    """What the scheduler and the worker do: wake the job while due, run what it enqueued."""
    job = next(j for j in JOBS if j.name == "retention.recipient_actions")
    default_task_backend.clear()  # what other code enqueued is not this job's
    if not enqueue_if_leader(job, holder="test-scheduler"):
        return []
    ready = [r for r in default_task_backend.results if r.status == TaskResultStatus.READY]
    default_task_backend.clear()
    return [str(r.task.call(*r.args, **r.kwargs)) for r in ready]


def _expired_lead_in_kommo(kommo) -> tuple[Lead, int, int]:
    with time_machine.travel(T0, tick=False):
        lead = make_lead()
    contact_id = kommo.create_contact(name="Ivan Petrov", phone="+79161234567")
    lead_id = kommo.new_id()
    kommo.put_lead(lead_id, updated_at=0, custom_fields=[{"field_code": "GCLID", "values": []}])
    kommo.leads[lead_id].update(name="Ivan Petrov: Kommo for 12 managers", tags=[f"lk-{lead.pk}"])
    Lead.objects.filter(pk=lead.pk).update(kommo_lead_id=lead_id, kommo_contact_id=contact_id)
    with time_machine.travel(EXPIRED, tick=False):
        sweep(duty=1.0)
    return lead, lead_id, contact_id


def _assert_erased_at_kommo(kommo, lead: Lead, lead_id: int, contact_id: int) -> None:
    contact, kommo_lead = kommo.contacts[contact_id], kommo.leads[lead_id]
    assert (contact["name"], contact["phones"], contact["emails"]) == ("", [], [])
    assert ERASED in contact["tags"]
    assert kommo_lead["name"] == f"Website request #{lead.pk}"  # as erasure names it
    assert ERASED in kommo_lead["tags"]


def test_the_job_anonymises_an_expired_lead_at_kommo_as_erasure_does(kommo_api):
    lead, lead_id, contact_id = _expired_lead_in_kommo(kommo_api)
    assert not run_job()  # the action is due from the sweep's moment, not before
    with time_machine.travel(EXPIRED + timedelta(minutes=1)):
        assert run_job() == ["done 1"]
        assert not run_job()  # settled: the scheduler has nothing to wake it for

    _assert_erased_at_kommo(kommo_api, lead, lead_id, contact_id)
    action = RecipientAction.objects.get()
    assert action.state == "done" and action.attempts == 0
    assert action.receipt["lead"]["id"] == lead_id
    assert action.receipt["contact"]["id"] == contact_id
    event = AuditEvent.objects.get(action="retention.recipient_done")
    assert event.data["receipt"] == action.receipt


@pytest.mark.parametrize("status", [429, 503])
def test_a_rate_limit_or_outage_at_kommo_is_retried_later_and_then_done(kommo_api, status):
    lead, lead_id, contact_id = _expired_lead_in_kommo(kommo_api)
    kommo_api.fail_next.append(status)
    with time_machine.travel(EXPIRED + timedelta(minutes=1)):
        assert run_job() == ["retrying 1"]
    action = RecipientAction.objects.get()
    assert (action.state, action.attempts) == ("retrying", 1)
    assert f"answered {status}" in action.last_error and "attempt 1 of 12" in action.last_error
    assert action.next_attempt_at > EXPIRED + timedelta(minutes=1, seconds=10)  # backs off
    with time_machine.travel(EXPIRED + timedelta(minutes=1, seconds=5)):
        assert not run_job()  # not before its time

    with time_machine.travel(EXPIRED + timedelta(minutes=5)):
        assert run_job() == ["done 1"]
    _assert_erased_at_kommo(kommo_api, lead, lead_id, contact_id)
    action.refresh_from_db()
    assert (action.state, action.last_error) == ("done", "")


def test_a_refused_token_pauses_the_action_without_counting_an_attempt(kommo_api):
    _expired_lead_in_kommo(kommo_api)
    kommo_api.fail_next.append(401)
    with time_machine.travel(EXPIRED + timedelta(minutes=1)):
        assert run_job() == ["paused 1"]
    action = RecipientAction.objects.get()
    assert (action.state, action.attempts) == ("retrying", 0)
    assert "KOMMO_ACCESS_TOKEN" in action.last_error
    assert action.next_attempt_at >= EXPIRED + timedelta(hours=1)


def test_a_worker_killed_between_the_patch_and_the_settle_settles_once_later(kommo_api):
    lead, lead_id, contact_id = _expired_lead_in_kommo(kommo_api)

    def killed(action):
        raise WorkerKilled

    executor.fault_hook = killed
    with time_machine.travel(EXPIRED + timedelta(minutes=1)), pytest.raises(WorkerKilled):
        run_job()
    executor.fault_hook = None
    _assert_erased_at_kommo(kommo_api, lead, lead_id, contact_id)  # Kommo got it
    action = RecipientAction.objects.get()
    assert action.state == "pending" and action.claimed_by  # ours did not record it

    with time_machine.travel(EXPIRED + timedelta(minutes=2)):
        assert not run_job()  # the dead worker's lease still holds
    with time_machine.travel(EXPIRED + timedelta(minutes=7)):
        assert run_job() == ["done 1"]  # taken again after the lease

    contact_patches = [p for e, p in kommo_api.patches if e == "contacts" and p["id"] == contact_id]
    assert len(contact_patches) == 2 and contact_patches[0] == contact_patches[1]  # harmless
    _assert_erased_at_kommo(kommo_api, lead, lead_id, contact_id)
    action.refresh_from_db()
    assert action.state == "done"
    assert AuditEvent.objects.filter(action="retention.recipient_done").count() == 1


def test_a_rejected_patch_fails_with_its_cause_in_words_for_a_person(kommo_api):
    _, _, contact_id = _expired_lead_in_kommo(kommo_api)
    del kommo_api.contacts[contact_id]  # someone deleted the contact in Kommo meanwhile
    with time_machine.travel(EXPIRED + timedelta(minutes=1)):
        assert run_job() == ["failed 1"]
    action = RecipientAction.objects.get()
    assert action.state == "failed"
    assert "answered 400" in action.last_error and "retry this action" in action.last_error


def _expired_booking(calcom, *, start: datetime) -> str:
    with time_machine.travel(T0, tick=False):
        lead = make_lead()
        uid = calcom.add_booking(email=lead.email, start=start)
        Booking.objects.create(
            uid=uid,
            status=Booking.Status.SCHEDULED,
            start_time=start,
            end_time=start + timedelta(minutes=30),
            email=lead.email,
            name=lead.name,
            lead=lead,
            subject=lead.subject,
            last_event_at=T0,
        )
    with time_machine.travel(EXPIRED, tick=False):
        sweep(duty=1.0)
    return uid


def test_an_expired_past_booking_waits_for_a_person_with_instructions(calcom_api):
    uid = _expired_booking(calcom_api, start=T0 + timedelta(days=2))
    with time_machine.travel(EXPIRED + timedelta(minutes=1)):
        assert run_job() == ["waiting 1"]
        assert not run_job()  # a person's turn: the job does not try again
    action = RecipientAction.objects.get(recipient="calcom")
    assert action.state == "waiting"
    assert uid in action.last_error and "Bookings > Past" in action.last_error
    assert calcom_api.bookings[uid]["status"] == "accepted"  # nothing cancelled after the fact


def test_an_upcoming_booking_at_calcom_is_cancelled(calcom_api):
    start = EXPIRED + timedelta(days=3)  # rebooked at Cal.com after our copy stopped moving
    uid = _expired_booking(calcom_api, start=start)
    calcom_api.fail_next.append(503)
    with time_machine.travel(EXPIRED + timedelta(minutes=1)):
        assert run_job() == ["retrying 1"]
    with time_machine.travel(EXPIRED + timedelta(minutes=5)):
        assert run_job() == ["done 1"]
    assert calcom_api.bookings[uid]["status"] == "cancelled"
    action = RecipientAction.objects.get(recipient="calcom")
    assert action.receipt == {"uid": uid, "status": "cancelled"}
