"""Receiving a rights request: from the page, the API, the desk, or the consent page.

No look-up happens here: every request, whether or not we hold data on the person, costs
the same writes and gets the same answer (no enumeration; Art. 12(6) verification first).
"""

import logging
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from audit.services import record_event
from leadkeeper import ratelimit
from leadkeeper.crypto import blind_index
from leadkeeper.tasks import enqueue_on_commit

from ..clock import due_date
from ..errors import RequestRejected, TooManyRequests
from ..models import Right, RightsRequest
from ..stores import normalise_email, normalise_phone

logger = logging.getLogger(__name__)

MAX_DETAILS = 4000


@dataclass(frozen=True)
class RequestData:
    right: str
    email: str  # normalised, or ""
    phone: str  # E.164, or ""
    details: str


def validate_request(*, right: str, email: str, phone: str, details: str) -> RequestData:
    """Normalise and check the fields; RequestRejected names each bad field."""
    errors: dict[str, list[str]] = {}
    if right not in Right.values:
        errors["right"] = [_("Choose one of: %(rights)s.") % {"rights": ", ".join(Right.values)}]
    clean = {"email": "", "phone": ""}
    for name, normalise in (("email", normalise_email), ("phone", _normalise_phone)):
        raw = (email if name == "email" else phone).strip()
        if raw:
            try:
                clean[name] = normalise(raw)
            except forms.ValidationError as error:
                errors[name] = list(error.messages)
    if not email.strip() and not phone.strip():
        errors["__all__"] = [_("Give an email address or a phone number so we can answer.")]
    if len(details) > MAX_DETAILS:
        errors["details"] = [_("At most %(n)d characters.") % {"n": MAX_DETAILS}]
    if errors:
        raise RequestRejected(errors)
    return RequestData(
        right=right, email=clean["email"], phone=clean["phone"], details=details.strip()
    )


def _normalise_phone(raw: str) -> str:
    return normalise_phone(raw, settings.DEFAULT_PHONE_REGION)


def check_request_rate(*, ip: str, data: RequestData) -> None:
    """Per address and per identifier (its blind index), so neither a flood from one
    address nor a flood of links to one inbox gets through."""
    per_ip = ratelimit.Rate.parse(settings.RIGHTS_RATE_LIMIT)
    per_identifier = ratelimit.Rate.parse(settings.RIGHTS_IDENTIFIER_RATE_LIMIT)
    if not ratelimit.hit(scope="rights-intake", client=ip or "unknown", rate=per_ip):
        logger.warning("rights.request.rate_limited", extra={"by": "ip"})
        raise TooManyRequests(f"more than {per_ip.limit} requests in {per_ip.seconds} s")
    for identifier in filter(None, (data.email, data.phone)):
        if not ratelimit.hit(scope="rights-id", client=identifier, rate=per_identifier):
            logger.warning("rights.request.rate_limited", extra={"by": "identifier"})
            raise TooManyRequests(
                f"more than {per_identifier.limit} requests in {per_identifier.seconds} s "
                "for one identifier"
            )


def new_reference() -> str:
    return "R-" + get_random_string(10, allowed_chars="ABCDEFGHJKLMNPQRSTUVWXYZ23456789")


def _create(*, data: RequestData, channel: str, language: str, **extra) -> RightsRequest:
    now = extra.pop("received_at", None) or timezone.now()
    return RightsRequest.objects.create(
        reference=new_reference(),
        right=data.right,
        channel=channel,
        email=data.email or None,
        phone=data.phone or None,
        details=data.details or None,
        email_index=blind_index(data.email),
        phone_index=blind_index(data.phone),
        language=language[:8],
        received_at=now,
        due_at=due_date(received_at=now),
        **extra,
    )


def send_verification(request: RightsRequest) -> None:
    """A fresh single-use nonce; the link goes out with the transaction (rights.tasks)."""
    from ..tasks import send_request_mail

    request.verify_nonce = get_random_string(24)
    request.verification_sent_at = timezone.now()
    request.save(update_fields=["verify_nonce", "verification_sent_at"])
    enqueue_on_commit(send_request_mail, request.pk, "verify")


@transaction.atomic(durable=True)
def submit_request(*, data: RequestData, channel: str, language: str) -> RightsRequest:
    """Store the request and send the verification link; the same work for everyone."""
    request = _create(data=data, channel=channel, language=language)
    if data.email:
        send_verification(request)
    record_event(
        actor="visitor",
        action="rights.request.received",
        obj=request,
        reason=f"{data.right} request received (policy §7)",
        data={"channel": channel, "by_email": bool(data.email), "by_phone": bool(data.phone)},
    )
    logger.info("rights.request.received", extra={"request_id": request.pk})
    return request


@transaction.atomic
def register_desk_request(
    *, data: RequestData, actor: str, received_at=None, language: str = "en"
) -> RightsRequest:
    """A request that came by post, phone or to the privacy mailbox, typed in by the DPO.

    Its clock runs from when it reached us, not when it was typed in (Art. 12(3)).
    """
    request = _create(
        data=data, channel=RightsRequest.Channel.DESK, language=language, received_at=received_at
    )
    if data.email:
        send_verification(request)
    record_event(
        actor=actor,
        action="rights.request.registered",
        obj=request,
        reason=f"{data.right} request received outside the website (policy §7)",
    )
    return request


def open_consent_withdrawal(*, withdrawal_request_id: int, created_at=None) -> RightsRequest:
    """The consent page's withdrawal (consent.WithdrawalRequest) as a rights request.

    The visitor proved the consent was theirs with the secret consent id of their cookie,
    so it is verified already; it runs like any other withdrawal. Repeats return the first.
    """
    from .verification import mark_verified

    existing = RightsRequest.objects.filter(withdrawal_request_id=withdrawal_request_id).first()
    if existing is not None:
        return existing
    data = RequestData(right=Right.WITHDRAWAL, email="", phone="", details="")
    request = _create(
        data=data,
        channel=RightsRequest.Channel.CONSENT_PAGE,
        # Opened inside the visitor's request to the consent page: its language is theirs.
        language=get_language() or "en",
        withdrawal_request_id=withdrawal_request_id,
        received_at=created_at,
    )
    mark_verified(request=request, via="consent", actor="visitor (consent page)")
    return request
