"""Writes of the capture app: a lead, its subject, consent proof, audit and outbox, at once."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import prepare_event
from consent.services import form_consent_row
from crm.services import prepare_lead_delivery
from leadkeeper import ratelimit
from leadkeeper.context import RequestContext
from leadkeeper.crypto import blind_index
from leadkeeper.inserts import Later, Returned, insert_together, prepare_row
from subjects.services import subject_for_lead, subject_upsert, upserted_subject

from .attribution import attribution_from
from .errors import LeadRejected, RateLimited
from .forms import LeadForm
from .models import Lead

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LeadData:
    """A lead's validated, normalised fields (what LeadForm.cleaned_data guarantees)."""

    name: str
    phone: str  # E.164
    email: str
    message: str
    attribution: dict[str, str]

    @classmethod
    def from_form(cls, form: LeadForm) -> "LeadData":
        data = form.cleaned_data
        return cls(
            name=data["name"],
            phone=data["phone"],
            email=data.get("email", ""),
            message=data.get("message", ""),
            attribution=attribution_from(data),
        )


def validate_lead(data: dict) -> LeadData:
    """Validate raw form or JSON data; LeadRejected carries a message per field."""
    form = LeadForm(data=data)
    if not form.is_valid():
        raise LeadRejected(form.error_dict())
    return LeadData.from_form(form)


def _rate_limited() -> RateLimited:
    rate = ratelimit.Rate.parse(settings.LEAD_RATE_LIMIT)
    logger.warning("capture.lead.rate_limited")
    return RateLimited(f"more than {rate.limit} leads in {rate.seconds} s from one address")


def check_turnstile(*, token: str, context: RequestContext) -> bool:
    """True when Turnstile is off, passes, or cannot be reached (a lead beats a perfect filter)."""
    if not settings.TURNSTILE_SECRET_KEY:
        return True
    from integrations.turnstile.client import TurnstileClient
    from integrations.turnstile.errors import TurnstileRejected, TurnstileUnavailable

    try:
        TurnstileClient(secret_key=settings.TURNSTILE_SECRET_KEY).verify(
            token=token, remote_ip=context.ip
        )
    except TurnstileRejected as error:
        logger.info("capture.turnstile.rejected", extra={"codes": ",".join(error.codes)})
        return False
    except TurnstileUnavailable:
        logger.warning("capture.turnstile.unavailable")
    return True


def capture_lead(*, data: LeadData, context: RequestContext, channel: str) -> Lead:
    """Store a consented lead with everything it needs, in one transaction (DESIGN flow 2).

    Subject, lead, consent proof, audit event and Kommo outbox row are written together,
    with the address's rate-limit count: if any part fails (RateLimited included), nothing
    is stored and the caller reports an error. A refused lead rolls its count back with
    everything else, which leaves the window at its limit, so the next one is refused too.

    The rows (the lead's encryption and blind indexes, the consent record, the audit event,
    the outbox row) are built before the transaction begins, then written by one
    insert_together(): on PostgreSQL one statement (three with BEGIN and COMMIT), on SQLite
    eight with BEGIN and COMMIT, back to back, so its one writer lock is held that much less
    (issue 9; capture/tests/test_services.py guards both numbers). The count comes last: on
    PostgreSQL its row is locked until COMMIT, and one address's leads (an office behind
    one NAT) would otherwise queue behind each other for the whole transaction.
    """
    hit = ratelimit.pending_hit(scope="lead", ip=context.ip, rate=settings.LEAD_RATE_LIMIT)
    if hit is None:  # this process saw the address go over its limit in this window
        raise _rate_limited()
    now = timezone.now()
    phone_index, email_index = blind_index(data.phone), blind_index(data.email)
    lead_row = prepare_row(
        Lead(
            retention_from=now,
            created_at=now,
            channel=channel,
            name=data.name,
            phone=data.phone,
            email=data.email or None,
            message=data.message or None,
            ip_address=context.ip or None,
            phone_index=phone_index,
            email_index=email_index,
            country=context.country,
            user_agent=context.user_agent,
            browser=context.ua.browser,
            os=context.ua.os,
            device_type=context.ua.device_type,
            **data.attribution,
        ),
        later=("subject",),
    )
    method = "web form checkbox" if channel == Lead.Channel.WEB_FORM else "api: consent=true"
    consent_row = form_consent_row(at=now, context=context, method=method)
    event_row = prepare_event(
        actor="visitor",
        action="lead.captured",
        object_type=Lead._meta.label_lower,
        reason="consultation request (policy §3), consent given (§4, Art. 6(1)(a))",
    )
    outbox_rows = prepare_lead_delivery()
    upsert = subject_upsert(phone_index=phone_index, email_index=email_index, at=now)
    with transaction.atomic(durable=True):
        if upsert is None:  # index keys rotating: the look-up path (subjects.services)
            subject_id = subject_for_lead(phone=data.phone, email=data.email, at=now).pk
        else:
            subject_id = Returned("subject")
        lead_id = Returned("lead")
        returned = insert_together(
            {
                **({"subject": upsert} if upsert is not None else {}),
                "lead": Later(lead_row, {"subject": subject_id}),
                "consent": Later(consent_row, {"subject": subject_id, "lead": lead_id}),
                "event": Later(
                    event_row,
                    {
                        "subject_id": subject_id,
                        "object_id": lead_id,
                        "data": {"consent_record": Returned("consent"), "channel": channel},
                    },
                ),
                **{f"outbox{i}": Later(row, {"ref": lead_id}) for i, row in enumerate(outbox_rows)},
                "rate": hit.statement,
            }
        )
        if not hit.allowed(returned["rate"]):
            raise _rate_limited()
    lead = lead_row.row
    if upsert is not None:
        lead.subject = upserted_subject(returned["subject"])
    logger.info("capture.lead.captured", extra={"lead_id": lead.pk, "subject_id": lead.subject_id})
    return lead
