"""Running steps: claim, execute, record the outcome, retry with backoff, settle the request.

A step's state and its next task are written in one transaction (the task row lives in our
database: leadkeeper.tasks.enqueue_on_commit), so a state never waits for a task
that was lost. A worker that dies mid-step leaves a claim that runs out; the sweeper then
enqueues the step again (fides#1657, #8252: requests hanging without a word).
"""

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from audit.services import record_event
from leadkeeper.tasks import enqueue_on_commit

from ..errors import DeskActionRefused, StepFailed, StepRetry
from ..models import RightsRequest, Step
from ..pipeline import Outcome, RightsStep, StepRun, step_class
from .settle import dependencies_met, plan_after_locate, settle_request

logger = logging.getLogger(__name__)

CLAIM = timedelta(minutes=10)
FIRST_BACKOFF = timedelta(minutes=1)
MAX_BACKOFF = timedelta(hours=6)
# How long past its time a runnable step may wait before the sweeper re-enqueues it.
STUCK_AFTER = timedelta(minutes=5)
# A failed or waiting step never stops the others (fides#2048): all these still run steps.
RUNNING = (
    RightsRequest.Status.IN_PROCESSING,
    RightsRequest.Status.ERROR,
    RightsRequest.Status.REQUIRES_INPUT,
)


def schedule_step(step: Step, *, at: datetime | None = None) -> None:
    """Enqueue the step's task with the caller's transaction (at `at`, or now)."""
    from ..tasks import run_step

    task = run_step.using(run_after=at) if at and at > timezone.now() else run_step
    enqueue_on_commit(task, step.pk)


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """1, 2, 4 ... minutes, capped at 6 hours; a recipient's Retry-After wins if longer."""
    delay = min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)
    if retry_after is not None and 0 < retry_after < MAX_BACKOFF.total_seconds():
        delay = max(delay, timedelta(seconds=retry_after))
    return delay


def _claim(step_id: int, now: datetime) -> Step | None:
    claimed = Step.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + timedelta(seconds=1)),
        pk=step_id,
        state__in=Step.RUNNABLE,
        request__status__in=RUNNING,
    ).update(claimed_until=now + CLAIM, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return None
    return Step.objects.select_related("request").get(pk=step_id)


def subject_ids_of(request: RightsRequest) -> list[int]:
    locate = request.steps.filter(name="locate", state=Step.State.DONE).first()
    return list(locate.receipt.get("subject_ids", [])) if locate else []


def run_step(*, step_id: int) -> str:
    """Run one step if it is due and nobody holds it; returns its new state (or why not)."""
    step = _claim(step_id, timezone.now())
    if step is None:
        return "not runnable now"
    impl = step_class(step.name)()
    run = StepRun(request=step.request, step=step, subject_ids=subject_ids_of(step.request))
    if impl.atomic:
        try:
            with transaction.atomic():
                outcome = impl.execute(run)
                _finish(step, impl, outcome)
                return outcome.state
        except Exception as error:
            return _record_fault(step, impl, error)
    try:
        outcome = impl.execute(run)
    except Exception as error:
        return _record_fault(step, impl, error)
    with transaction.atomic():
        _finish(step, impl, outcome)
    return outcome.state


def _finish(step: Step, impl: RightsStep, outcome: Outcome) -> None:
    now = timezone.now()
    Step.objects.filter(pk=step.pk).update(
        state=outcome.state,
        receipt=outcome.receipt,
        message=outcome.message,
        claimed_until=None,
        next_attempt_at=None,
        updated_at=now,
        finished_at=now,
    )
    step.state, step.receipt, step.message = outcome.state, outcome.receipt, outcome.message
    record_event(
        actor="rights desk",
        action=f"rights.step.{outcome.state}",
        subject_id=None,
        obj=step,
        reason=f"{step.request.right} request {step.request.reference} (policy §7)",
        data={"step": step.name, "recipient": step.recipient, "receipt": outcome.receipt},
    )
    logger.info("rights.step.finished", extra={"step_id": step.pk, "state": outcome.state})
    if step.name == "locate" and outcome.state == Step.State.DONE:
        plan_after_locate(request=step.request, subject_ids=outcome.receipt["subject_ids"])
    settle_request(request_id=step.request_id)


def _record_fault(step: Step, impl: RightsStep, error: Exception) -> str:
    if isinstance(error, StepRetry | StepFailed):
        message = str(error)
    else:
        # An unexpected error's text may carry data; its type is enough for the desk.
        message = f"unexpected {type(error).__name__}; the step will be retried"
        logger.error(
            "rights.step.crashed", extra={"step_id": step.pk, "error": type(error).__name__}
        )
    now = timezone.now()
    attempts = Step.objects.values_list("attempts", flat=True).get(pk=step.pk)
    give_up = isinstance(error, StepFailed) or attempts >= impl.max_attempts
    with transaction.atomic():
        if give_up:
            state, next_at = Step.State.FAILED, None
            if not isinstance(error, StepFailed):
                message = f"{message} (gave up after {attempts} attempts)"
        else:
            state = Step.State.RETRYING
            next_at = now + backoff(attempts, getattr(error, "retry_after", None))
        Step.objects.filter(pk=step.pk).update(
            state=state,
            message=message,
            next_attempt_at=next_at,
            claimed_until=None,
            updated_at=now,
            finished_at=now if give_up else None,
        )
        record_event(
            actor="rights desk",
            action=f"rights.step.{state}",
            obj=step,
            reason=f"{step.request.right} request {step.request.reference} (policy §7)",
            data={
                "step": step.name,
                "recipient": step.recipient,
                "error": message,
                "attempts": attempts,
            },
        )
        if next_at is not None:
            schedule_step(step, at=next_at)
        settle_request(request_id=step.request_id)
    logger.warning("rights.step.fault", extra={"step_id": step.pk, "state": state})
    return state


def retry_step(*, step_id: int, actor: str) -> Step:
    """The desk's 'retry now': a failed, retrying or waiting step runs again at once."""
    with transaction.atomic():
        step = Step.objects.select_for_update().select_related("request").get(pk=step_id)
        if step.state in Step.SETTLED:
            return step
        if step.state == Step.State.BLOCKED and not dependencies_met(step):
            # Art. 19 sends the corrected value: running before the correction would not.
            raise DeskActionRefused(
                f"step {step.name} of request {step.request.reference} runs by itself once "
                f"{', '.join(step_class(step.name).after)} is done"
            )
        now = timezone.now()
        step.state, step.next_attempt_at, step.attempts = Step.State.PENDING, now, 0
        step.claimed_until, step.updated_at, step.finished_at = None, now, None
        step.save()
        request = step.request
        if request.status in (RightsRequest.Status.ERROR, RightsRequest.Status.REQUIRES_INPUT):
            RightsRequest.objects.filter(pk=request.pk).update(
                status=RightsRequest.Status.IN_PROCESSING
            )
        record_event(
            actor=actor,
            action="rights.step.retried",
            obj=step,
            reason=f"retry of a step of request {request.reference}",
        )
        schedule_step(step)
    return step


def sweep_stuck_steps(*, limit: int = 200) -> int:
    """Re-enqueue runnable steps past their time whose worker died or whose task was lost."""
    now = timezone.now()
    stuck = Step.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lt=now - STUCK_AFTER),
        state__in=Step.RUNNABLE,
        request__status__in=RUNNING,
        updated_at__lt=now - STUCK_AFTER,
    ).order_by("pk")[:limit]
    count = 0
    with transaction.atomic():
        for step in stuck:
            Step.objects.filter(pk=step.pk).update(updated_at=now)
            schedule_step(step)
            count += 1
    if count:
        logger.warning("rights.steps.swept", extra={"count": count})
    return count
