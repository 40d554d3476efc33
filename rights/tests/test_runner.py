from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_tasks import default_task_backend

from rights.errors import DeskActionRefused, StepFailed, StepRetry
from rights.models import RightsRequest, Step
from rights.pipeline import PLANS, STEPS, Outcome, RightsStep
from rights.services.desk import resolve_step
from rights.services.runner import backoff, retry_step, run_step, sweep_stuck_steps
from rights.tasks import run_step as run_step_task

from .helpers import lead, run_steps, verified

pytestmark = pytest.mark.django_db


class FlakyVendor(RightsStep):
    name = "test.flaky"
    recipient = "vendor"
    atomic = False
    max_attempts = 3
    answers: list = []

    def execute(self, run):
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.fixture
def flaky():
    STEPS[FlakyVendor.name] = FlakyVendor
    PLANS["access"].append(FlakyVendor)
    yield FlakyVendor
    PLANS["access"].remove(FlakyVendor)
    del STEPS[FlakyVendor.name]


def _step(request, name="test.flaky") -> Step:
    return request.steps.get(name=name)


def test_a_failing_vendor_does_not_hide_the_local_steps(flaky):
    lead()
    flaky.answers = [StepFailed("vendor answered 401: the API key was revoked")]
    request = verified("access")
    run_steps(request)
    assert request.status == RightsRequest.Status.ERROR
    assert _step(request, "access.report").state == Step.State.DONE
    failed = _step(request)
    assert failed.state == Step.State.FAILED and "401" in failed.message


def test_a_passing_fault_retries_with_backoff_and_then_succeeds(flaky):
    flaky.answers = [StepRetry("vendor answered 503"), Outcome.done({"receipt": "r-1"})]
    request = verified("access")
    run_steps(request)
    step = _step(request)
    assert step.state == Step.State.RETRYING and step.message == "vendor answered 503"
    assert step.next_attempt_at > timezone.now() + timedelta(seconds=50)
    with time_machine.travel(step.next_attempt_at + timedelta(seconds=1)):
        assert run_step(step_id=step.pk) == Step.State.DONE
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.COMPLETE
    assert _step(request).receipt == {"receipt": "r-1"}


def test_a_step_gives_up_after_its_attempts_and_the_desk_can_retry_it(flaky):
    flaky.answers = [StepRetry("429")] * 3 + [Outcome.done({"ok": True})]
    request = verified("access")
    run_steps(request)
    step = _step(request)
    for _ in range(2):
        with time_machine.travel(step.next_attempt_at + timedelta(seconds=1)):
            run_step(step_id=step.pk)
        step.refresh_from_db()
    assert step.state == Step.State.FAILED and "gave up after 3 attempts" in step.message
    retry_step(step_id=step.pk, actor="staff:1")
    assert run_step(step_id=step.pk) == Step.State.DONE
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.COMPLETE


def test_a_request_waiting_for_a_person_completes_once_the_step_is_resolved(flaky):
    flaky.answers = [Outcome.waiting("Delete the past bookings in Cal.com's dashboard")]
    request = verified("access")
    run_steps(request)
    assert request.status == RightsRequest.Status.REQUIRES_INPUT
    resolve_step(step_id=_step(request).pk, note="deleted 2 bookings by hand", actor="staff:1")
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.COMPLETE


def test_a_step_a_dead_worker_held_is_swept_and_runs_once(
    flaky, django_capture_on_commit_callbacks
):
    flaky.answers = [Outcome.done({"n": 1}), Outcome.done({"n": 2}), Outcome.done({"n": 3})]
    request = verified("access")
    run_steps(request)  # the flaky step is planned but we pretend its worker died mid-run
    step = _step(request)
    Step.objects.filter(pk=step.pk).update(state=Step.State.PENDING, attempts=0)
    RightsRequest.objects.filter(pk=request.pk).update(status="in_processing")
    Step.objects.filter(pk=step.pk).update(claimed_until=timezone.now() + timedelta(minutes=10))
    assert run_step(step_id=step.pk) == "not runnable now"  # someone holds it
    default_task_backend.clear()
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        with django_capture_on_commit_callbacks(execute=True):
            assert sweep_stuck_steps() == 1
        assert run_step(step_id=step.pk) == Step.State.DONE
        assert run_step(step_id=step.pk) == "not runnable now"  # a second task does nothing
    assert [r.args for r in default_task_backend.results if r.task == run_step_task] == [[step.pk]]


def test_backoff_doubles_and_is_capped_and_honours_retry_after():
    assert backoff(1) == timedelta(minutes=1)
    assert backoff(3) == timedelta(minutes=4)
    assert backoff(30) == timedelta(hours=6)
    assert backoff(1, retry_after=600) == timedelta(minutes=10)


class Follower(RightsStep):
    """Runs only after test.flaky is done, as kommo.rectify follows local.rectify."""

    name = "test.follower"
    after = ("test.flaky",)
    ran: list = []

    def execute(self, run):
        self.ran.append(run.step.pk)
        return Outcome.done({"followed": True})


@pytest.fixture
def follower(flaky):
    STEPS[Follower.name] = Follower
    PLANS["access"].append(Follower)
    Follower.ran = []
    yield Follower
    PLANS["access"].remove(Follower)
    del STEPS[Follower.name]


def test_a_step_that_follows_another_stays_blocked_until_that_one_is_done(follower, flaky):
    flaky.answers = [Outcome.waiting("apply the correction in the back office")]
    request = verified("access")
    run_steps(request)
    blocked = _step(request, "test.follower")
    assert blocked.state == Step.State.BLOCKED and "test.flaky" in blocked.message
    assert follower.ran == [] and request.status == RightsRequest.Status.REQUIRES_INPUT
    with pytest.raises(DeskActionRefused, match=r"runs by itself once test\.flaky is done"):
        retry_step(step_id=blocked.pk, actor="staff:1")


def test_a_blocked_step_is_enqueued_in_the_transaction_that_settles_its_predecessor(
    follower, flaky, django_capture_on_commit_callbacks
):
    flaky.answers = [Outcome.waiting("apply the correction in the back office")]
    request = verified("access")
    run_steps(request)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        resolve_step(step_id=_step(request).pk, note="corrected", actor="staff:1")
    released = _step(request, "test.follower")
    assert released.state == Step.State.PENDING and len(callbacks) == 1
    run_steps(request)
    assert follower.ran == [released.pk]
    assert request.status == RightsRequest.Status.COMPLETE


def test_a_blocked_step_runs_by_itself_when_its_predecessor_succeeds_on_a_retry(follower, flaky):
    flaky.answers = [StepRetry("vendor answered 503"), Outcome.done({"receipt": "r-1"})]
    request = verified("access")
    run_steps(request)
    assert _step(request, "test.follower").state == Step.State.BLOCKED
    step = _step(request)
    with time_machine.travel(step.next_attempt_at + timedelta(seconds=1)):
        run_step(step_id=step.pk)
        run_steps(request)
    assert _step(request, "test.follower").state == Step.State.DONE
    assert request.status == RightsRequest.Status.COMPLETE
