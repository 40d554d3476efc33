"""Mail to the person (verification link, extension, answer) and the DPO's daily digest.

Sent through Django's email backend (EMAIL_URL), in the person's language, from a task: a
mail server that is down delays a message, it does not lose the request.
"""

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from audit.services import record_event

from .clock import days_left, is_due_soon
from .models import RightsRequest, Step
from .tokens import download_token, verification_token

logger = logging.getLogger(__name__)


def _absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _render(kind: str, request: RightsRequest, context: dict) -> tuple[str, str]:
    with translation.override(request.language or "en"):
        text = render_to_string(f"rights/mail/{kind}.txt", {"r": request, **context})
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def _verify_context(request: RightsRequest) -> dict:
    token = verification_token(reference=request.reference, nonce=request.verify_nonce)
    return {"link": _absolute(reverse("rights:verify", args=[token]))}


def _outcome_context(request: RightsRequest) -> dict:
    steps = list(request.steps.exclude(name="locate"))
    locate = request.steps.filter(name="locate").first()
    links = [
        {
            "kind": export.kind,
            "url": _absolute(
                reverse(
                    "rights:download",
                    args=[download_token(export_id=export.pk, reference=request.reference)],
                )
            ),
        }
        for export in request.exports.all()
    ]
    complaint = next((s.receipt for s in steps if s.name == "complaint.route"), None)
    return {
        "steps": steps,
        "links": links,
        "complaint": complaint,
        "found_nothing": bool(locate) and not locate.receipt.get("subject_ids"),
    }


CONTEXTS = {"verify": _verify_context, "outcome": _outcome_context, "extension": dict}


def send_request_mail(*, request_id: int, kind: str) -> str:
    """Send one message about a request; an erasure's answer then clears the address."""
    request = RightsRequest.objects.get(pk=request_id)
    if not request.email:
        if kind == "outcome":
            _answered(request)  # the desk answers by phone or post; the erasure still ends
        return "no email address: the desk answers by phone or post"
    if kind == "verify" and not request.verify_nonce:
        return "the link was used already"
    context = CONTEXTS[kind](request) if kind != "extension" else {}
    subject, body = _render(kind, request, context)
    EmailMessage(subject=subject, body=body, to=[request.email]).send()
    record_event(
        actor="rights desk",
        action=f"rights.mail.{kind}",
        obj=request,
        reason="the person is told about their request (Art. 12(1), (3), (4))",
    )
    logger.info("rights.mail.sent", extra={"request_id": request.pk, "kind": kind})
    if kind == "outcome":
        _answered(request)
    return "sent"


def _answered(request: RightsRequest) -> None:
    now = timezone.now()
    with transaction.atomic():
        RightsRequest.objects.filter(pk=request.pk).update(answered_at=now)
        if request.right == "erasure":
            clear_personal_data(request=request, at=now)


def clear_personal_data(*, request: RightsRequest, at) -> None:
    """After an erasure is answered the request keeps only its blind indexes (proof)."""
    RightsRequest.objects.filter(pk=request.pk).update(
        email=None, phone=None, details=None, personal_data_cleared_at=at
    )
    Step.objects.filter(request=request).update(params={})


def send_digest() -> str:
    """The DPO's daily list of open requests, soonest due first, flagged within 7 days."""
    if not settings.DPO_EMAIL:
        return "DPO_EMAIL is not set"
    now = timezone.now()
    rows = [
        {
            "r": r,
            "days": days_left(due_at=r.due_at, now=now),
            "soon": is_due_soon(due_at=r.due_at, now=now),
        }
        for r in RightsRequest.objects.filter(status__in=RightsRequest.OPEN).order_by("due_at")
    ]
    body = render_to_string(
        "rights/mail/digest.txt", {"rows": rows, "now": now, "desk": _absolute("/desk/rights/")}
    )
    subject = f"Rights desk: {len(rows)} open, {sum(r['soon'] for r in rows)} due within 7 days"
    EmailMessage(subject=subject, body=body, to=[settings.DPO_EMAIL]).send()
    return f"digest of {len(rows)} open requests sent"
