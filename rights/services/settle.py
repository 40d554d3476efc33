"""Planning a request's steps and settling its status from them (inside the caller's atomic)."""

import logging

from django.utils import timezone

from audit.services import record_event
from leadkeeper.tasks import enqueue_on_commit

from ..models import RightsRequest, Step
from ..pipeline import plan_for, step_class
from ..stores import holdings

logger = logging.getLogger(__name__)


def start_pipeline(*, request: RightsRequest, actor: str) -> None:
    """Approved: the `locate` step goes first; it plans the rest from what it finds."""
    from .runner import schedule_step

    now = timezone.now()
    RightsRequest.objects.filter(pk=request.pk).update(status=RightsRequest.Status.IN_PROCESSING)
    request.status = RightsRequest.Status.IN_PROCESSING
    params = {"subject_id": request_subject_hint(request)}
    step, _created = Step.objects.get_or_create(
        request=request,
        name="locate",
        recipient="local",
        target="",
        defaults={"stage": 0, "next_attempt_at": now, "params": params},
    )
    record_event(
        actor=actor,
        action="rights.request.started",
        obj=request,
        reason=f"{request.right} request verified and approved (policy §7)",
    )
    schedule_step(step)


def request_subject_hint(request: RightsRequest) -> int | None:
    """A consent-page withdrawal knows its subject already (the consent id proved it)."""
    if request.withdrawal_request_id is None:
        return None
    from ..stores import withdrawal_subject_id

    return withdrawal_subject_id(withdrawal_request_id=request.withdrawal_request_id)


def plan_after_locate(*, request: RightsRequest, subject_ids: list[int]) -> list[Step]:
    """Create one row per (step, recipient, target) of the right's plan, and enqueue them."""
    from .runner import schedule_step

    found = holdings(subject_ids=subject_ids)
    now = timezone.now()
    created = []
    for cls in plan_for(request.right):
        for target, params in cls().targets(request=request, found=found):
            defaults = {"stage": cls.stage, "params": params, "next_attempt_at": now}
            if cls.after:
                defaults.update(
                    state=Step.State.BLOCKED,
                    next_attempt_at=None,
                    message=f"runs by itself once {', '.join(cls.after)} is done",
                )
            step, new = Step.objects.get_or_create(
                request=request,
                name=cls.name,
                recipient=cls.recipient,
                target=target,
                defaults=defaults,
            )
            if new:
                created.append(step)
                if step.state != Step.State.BLOCKED:
                    schedule_step(step)
    release_blocked_steps(request_id=request.pk)
    return created


def dependencies_met(step: Step) -> bool:
    """Every step this one follows is done (a planned step with no rows is nothing to wait
    for: no contact here means none to correct first)."""
    after = step_class(step.name).after
    if not after:
        return True
    states = Step.objects.filter(request_id=step.request_id, name__in=after).values_list(
        "state", flat=True
    )
    return all(state == Step.State.DONE for state in states)


def release_blocked_steps(*, request_id: int) -> list[Step]:
    """Blocked steps whose predecessors are all done become pending and are enqueued with
    the caller's transaction, so the order holds however the predecessor was settled (by
    its own run, or by a person on the desk)."""
    from .runner import schedule_step

    now = timezone.now()
    released = []
    for step in Step.objects.filter(request_id=request_id, state=Step.State.BLOCKED):
        if not dependencies_met(step):
            continue
        Step.objects.filter(pk=step.pk, state=Step.State.BLOCKED).update(
            state=Step.State.PENDING, message="", next_attempt_at=now, updated_at=now
        )
        step.state, step.message, step.next_attempt_at = Step.State.PENDING, "", now
        schedule_step(step)
        released.append(step)
    return released


def _status_from(states: set[str]) -> str:
    """Running while any step can still run; then failed beats waiting beats complete.

    A blocked step never lets a request complete: it waits for a failed or waiting step
    (whose state the status shows), or is about to be released."""
    if states & set(Step.RUNNABLE):
        return RightsRequest.Status.IN_PROCESSING
    if Step.State.FAILED in states:
        return RightsRequest.Status.ERROR
    if Step.State.WAITING in states:
        return RightsRequest.Status.REQUIRES_INPUT
    if Step.State.BLOCKED in states:
        return RightsRequest.Status.IN_PROCESSING
    return RightsRequest.Status.COMPLETE


def settle_request(*, request_id: int) -> str:
    """Derive the request's status from its steps; on completion, enqueue the answer."""
    from ..tasks import send_request_mail

    request = RightsRequest.objects.select_for_update().get(pk=request_id)
    if request.status in (RightsRequest.Status.PAUSED, RightsRequest.Status.COMPLETE):
        return request.status
    release_blocked_steps(request_id=request_id)
    states = set(request.steps.values_list("state", flat=True))
    status = _status_from(states)
    if status == request.status:
        return status
    request.status = status
    fields = ["status"]
    if status == RightsRequest.Status.COMPLETE:
        request.completed_at = timezone.now()
        fields.append("completed_at")
        enqueue_on_commit(send_request_mail, request.pk, "outcome")
    request.save(update_fields=fields)
    record_event(
        actor="rights desk",
        action=f"rights.request.{status}",
        obj=request,
        reason=f"{request.right} request {request.reference}: steps settled",
    )
    logger.info("rights.request.settled", extra={"request_id": request.pk, "status": status})
    return status
