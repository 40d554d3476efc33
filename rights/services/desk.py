"""What the DPO does on the desk: extend the clock, settle a step by hand."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from leadkeeper.tasks import enqueue_on_commit

from ..clock import add_months, extended_due_date
from ..errors import DeskActionRefused
from ..models import RightsRequest, Step
from ..stores import normalise_email, normalise_phone, rectify
from .runner import RUNNING, subject_ids_of
from .settle import settle_request


@transaction.atomic
def extend_request(*, request_id: int, months: int, reasons: str, actor: str) -> RightsRequest:
    """Art. 12(3): once, by up to two months, with the reasons told to the person within
    the first month."""
    from ..tasks import send_request_mail

    request = RightsRequest.objects.select_for_update().get(pk=request_id)
    now = timezone.now()
    if request.extended_at is not None:
        raise DeskActionRefused(f"rights request {request.reference} was extended already")
    if not request.is_open:
        raise DeskActionRefused(f"rights request {request.reference} is {request.status}")
    first_month_ends = add_months(request.received_at, 1)
    if now > first_month_ends:
        raise DeskActionRefused(
            f"rights request {request.reference}: the first month ended on "
            f"{first_month_ends:%Y-%m-%d}; an extension must be told within it"
        )
    if not reasons.strip():
        raise DeskActionRefused("an extension needs its reasons, which the person is sent")
    request.due_at = extended_due_date(due_at=request.due_at, months=months)
    request.extended_at, request.extension_reason = now, reasons.strip()
    request.save(update_fields=["due_at", "extended_at", "extension_reason"])
    record_event(
        actor=actor,
        action="rights.request.extended",
        obj=request,
        reason="extension by up to two months (Art. 12(3))",
        data={"months": months, "due_at": request.due_at.isoformat()},
    )
    if request.email:
        enqueue_on_commit(send_request_mail, request.pk, "extension")
    return request


@transaction.atomic
def resolve_step(*, step_id: int, note: str, actor: str, receipt: dict | None = None) -> Step:
    """A person settles a waiting or failed step (and says how); the request may complete,
    and the steps that follow this one run (kommo.rectify after local.rectify)."""
    step = Step.objects.select_for_update().select_related("request").get(pk=step_id)
    if step.state in Step.SETTLED:
        return step
    if not note.strip():
        raise DeskActionRefused("say what was done, for the record and the answer")
    now = timezone.now()
    step.state, step.claimed_until, step.finished_at, step.updated_at = (
        Step.State.DONE,
        None,
        now,
        now,
    )
    step.receipt = {**step.receipt, **(receipt or {}), "resolved_by": actor, "note": note.strip()}
    step.message = f"done by a person: {note.strip()}"
    step.save()
    record_event(
        actor=actor,
        action="rights.step.resolved",
        obj=step,
        reason=f"step settled by hand for request {step.request.reference}",
        data={"note": note.strip()},
    )
    settle_request(request_id=step.request_id)
    return step


@transaction.atomic
def pause_request(*, request_id: int, actor: str) -> RightsRequest:
    """Hold every step (e.g. the person asked to wait); the clock keeps running."""
    request = RightsRequest.objects.select_for_update().get(pk=request_id)
    if request.status not in RUNNING:
        raise DeskActionRefused(f"rights request {request.reference} is {request.status}")
    request.status = RightsRequest.Status.PAUSED
    request.save(update_fields=["status"])
    record_event(
        actor=actor, action="rights.request.paused", obj=request, reason="paused on the desk"
    )
    return request


@transaction.atomic
def resume_request(*, request_id: int, actor: str) -> RightsRequest:
    from .runner import schedule_step

    request = RightsRequest.objects.select_for_update().get(pk=request_id)
    if request.status != RightsRequest.Status.PAUSED:
        raise DeskActionRefused(f"rights request {request.reference} is not paused")
    request.status = RightsRequest.Status.IN_PROCESSING
    request.save(update_fields=["status"])
    record_event(
        actor=actor, action="rights.request.resumed", obj=request, reason="resumed on the desk"
    )
    for step in request.steps.filter(state__in=Step.RUNNABLE):
        schedule_step(step)
    settle_request(request_id=request.pk)
    request.refresh_from_db()
    return request


def _corrected(*, phone: str, email: str) -> tuple[str, str]:
    try:
        phone = normalise_phone(phone, settings.DEFAULT_PHONE_REGION) if phone.strip() else ""
        return phone, normalise_email(email)
    except ValidationError as error:
        raise DeskActionRefused(" ".join(error.messages)) from None


@transaction.atomic
def apply_rectification(
    *, step_id: int, name: str = "", phone: str = "", email: str = "", actor: str
) -> Step:
    """Art. 16 on the desk: the DPO types the corrected values the request asked for; they
    are stored on the person's leads, and the recipients' steps (Art. 19) run from them."""
    step = Step.objects.select_for_update().select_related("request").get(pk=step_id)
    if step.name != "local.rectify" or step.state in Step.SETTLED:
        raise DeskActionRefused(f"step {step.pk} is not a rectification waiting to be applied")
    phone, email = _corrected(phone=phone, email=email)
    name = name.strip()
    if not (name or phone or email):
        raise DeskActionRefused("type at least one corrected value: name, phone or email")
    try:
        with transaction.atomic():
            fields = rectify(
                subject_ids=subject_ids_of(step.request),
                lead_ids=step.params.get("leads", []),
                name=name,
                phone=phone,
                email=email,
            )
    except IntegrityError:
        raise DeskActionRefused(
            "another person's record holds this phone; merge the two subjects first"
        ) from None
    return resolve_step(
        step_id=step.pk,
        note=f"corrected here: {', '.join(fields)}",
        actor=actor,
        receipt={"corrected": fields},
    )
