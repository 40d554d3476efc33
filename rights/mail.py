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
from django.utils.translation import gettext_lazy as _

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


# What a settled step did, as the person reads it in their language (Step.message is the
# staff's record, in English). Every step the pipeline registers has its line here
# (rights/tests/test_mail.py); "locate" and "complaint.route" have their own paragraphs.
DONE_LINES = {
    "local.erase": _("Your personal data held on this site was erased."),
    "kommo.erase": _("Your data in our CRM (Kommo) was erased."),
    "calcom.cancel": _(
        "Your upcoming consultation was cancelled at the booking service (Cal.com)."
    ),
    "calcom.past": _(
        "Your past consultations were deleted at the booking service (Cal.com), at our request."
    ),
    "google.user_deletion": _(
        "Google Analytics data linked to your browser was deleted at Google."
    ),
    "access.report": _("Your report of the data we hold about you is ready (link below)."),
    "portability.export": _(
        "Your data is ready to download in a machine-readable file (link below)."
    ),
    "consent.withdraw": _(
        "Your consent is withdrawn: we no longer process your data on the basis of it."
    ),
    "local.restrict": _(
        "Processing of your data on this site is restricted: it is stored, not otherwise used."
    ),
    "kommo.restrict": _("Your record in our CRM (Kommo) is marked restricted."),
    "local.object": _(
        "We stopped using your data for analytics and campaign attribution (your objection)."
    ),
    "local.rectify": _("Your data on this site was corrected."),
    "kommo.rectify": _("Your data in our CRM (Kommo) was corrected."),
}
# A step that kept something back says what and why (Art. 17(3)(b): contract records).
HELD_LINES = {
    "local.erase": _(
        "Your personal data held on this site was erased, except the records of your client "
        "contract: accounting law requires us to keep them for 5 years (GDPR Art. 17(3)(b)), "
        "and until then they are restricted, not used."
    ),
    "kommo.erase": _(
        "Your client contract in our CRM (Kommo) is kept for 5 years for accounting (GDPR "
        "Art. 17(3)(b)) and marked restricted instead of erased."
    ),
}
VENDOR_PENDING_LINES = {
    "google.user_deletion": _(
        "We asked Google to delete the Google Analytics data linked to your browser; Google "
        "completes the deletion on its own schedule."
    ),
}


def step_line(step: Step) -> str:
    """The outcome mail's sentence for one settled step (lazy: rendered in the request's
    language)."""
    if step.state == Step.State.VENDOR_PENDING and step.name in VENDOR_PENDING_LINES:
        return VENDOR_PENDING_LINES[step.name]
    receipt = step.receipt or {}
    if step.name in HELD_LINES and (receipt.get("held") or receipt.get("leads_held")):
        return HELD_LINES[step.name]
    return DONE_LINES.get(step.name, step.message)


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
        "lines": [step_line(s) for s in steps if s.name != "complaint.route"],
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
