"""Planning a request's steps and settling its status from them (inside the caller's atomic)."""

import logging

from django.utils import timezone

from audit.services import record_event
from leadkeeper.tasks import enqueue_on_commit

from ..models import RightsRequest, Step
from ..pipeline import plan_for
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
            step, new = Step.objects.get_or_create(
                request=request,
                name=cls.name,
                recipient=cls.recipient,
                target=target,
                defaults={"stage": cls.stage, "params": params, "next_attempt_at": now},
            )
            if new:
                created.append(step)
                schedule_step(step)
    return created


def _status_from(states: set[str]) -> str:
    """Running while any step can still run; then failed beats waiting beats complete."""
    if states & set(Step.RUNNABLE):
        return RightsRequest.Status.IN_PROCESSING
    if Step.State.FAILED in states:
        return RightsRequest.Status.ERROR
    if Step.State.WAITING in states:
        return RightsRequest.Status.REQUIRES_INPUT
    return RightsRequest.Status.COMPLETE


def settle_request(*, request_id: int) -> str:
    """Derive the request's status from its steps; on completion, enqueue the answer."""
    from ..tasks import send_request_mail

    request = RightsRequest.objects.select_for_update().get(pk=request_id)
    if request.status in (RightsRequest.Status.PAUSED, RightsRequest.Status.COMPLETE):
        return request.status
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
