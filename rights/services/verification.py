"""Verification before anything is disclosed or changed (Art. 12(6), EDPB 01/2022).

An emailed link proves control of the address; a call back by staff proves the phone.
Opening the link only shows a button (mail scanners open links); the POST acts, once.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import record_event

from ..errors import DeskActionRefused, LinkUsed
from ..models import RightsRequest
from ..tokens import read_verification_token
from .settle import start_pipeline

logger = logging.getLogger(__name__)


def request_for_link(*, token: str) -> RightsRequest:
    """The request a genuine, unexpired, unused link points at (reads only: a GET)."""
    reference, nonce = read_verification_token(token)
    request = RightsRequest.objects.filter(reference=reference).first()
    if request is None or not request.verify_nonce or request.verify_nonce != nonce:
        raise LinkUsed("the link was used already, or a newer link replaced it")
    return request


@transaction.atomic(durable=True)
def confirm_link(*, token: str) -> RightsRequest:
    """The person pressed 'confirm': the request is verified, and runs or awaits approval.

    The nonce is cleared in the same transaction, under a row lock: of two presses at once,
    one verifies and the other finds the link used.
    """
    reference, nonce = read_verification_token(token)
    request = RightsRequest.objects.select_for_update().filter(reference=reference).first()
    if request is None or not request.verify_nonce or request.verify_nonce != nonce:
        raise LinkUsed("the link was used already, or a newer link replaced it")
    request.verify_nonce = ""
    request.save(update_fields=["verify_nonce"])
    mark_verified(request=request, via="email", actor="data subject (email link)")
    return request


@transaction.atomic
def mark_phone_verified(*, request_id: int, actor: str) -> RightsRequest:
    """Staff called the number back and the person confirmed the request."""
    request = RightsRequest.objects.select_for_update().get(pk=request_id)
    if request.verified_at is not None:
        raise DeskActionRefused(f"rights request {request.reference} is verified already")
    if not request.phone_index:
        raise DeskActionRefused(f"rights request {request.reference} gave no phone to call")
    mark_verified(request=request, via="phone", actor=actor)
    return request


def mark_verified(*, request: RightsRequest, via: str, actor: str) -> None:
    """Verified: runs at once, or waits for the DPO when RIGHTS_REQUIRE_APPROVAL is set."""
    now = timezone.now()
    request.verified_at, request.verified_via, request.verified_by = now, via, actor[:64]
    request.status = RightsRequest.Status.PENDING
    request.save(update_fields=["verified_at", "verified_via", "verified_by", "status"])
    record_event(
        actor=actor,
        action="rights.request.verified",
        obj=request,
        reason=f"identity verified by {via} before acting (Art. 12(6))",
    )
    logger.info("rights.request.verified", extra={"request_id": request.pk, "via": via})
    if not settings.RIGHTS_REQUIRE_APPROVAL:
        _approve(request=request, actor="policy: no approval required")


@transaction.atomic
def approve_request(*, request_id: int, actor: str) -> RightsRequest:
    request = RightsRequest.objects.select_for_update().get(pk=request_id)
    if request.status != RightsRequest.Status.PENDING:
        raise DeskActionRefused(
            f"rights request {request.reference} is {request.status}; only a verified, "
            "pending request can be approved"
        )
    _approve(request=request, actor=actor)
    return request


def _approve(*, request: RightsRequest, actor: str) -> None:
    request.status = RightsRequest.Status.APPROVED
    request.approved_at, request.approved_by = timezone.now(), actor[:64]
    request.save(update_fields=["status", "approved_at", "approved_by"])
    record_event(
        actor=actor,
        action="rights.request.approved",
        obj=request,
        reason=f"{request.right} request approved (policy §7)",
    )
    start_pipeline(request=request, actor=actor)
