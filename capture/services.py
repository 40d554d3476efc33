"""Writes of the capture app: a lead, its subject, consent proof, audit and outbox, at once."""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.services import prepare_event
from consent.services import form_consent_row
from crm.services import prepare_lead_delivery, queue_lead_delivery
from leadkeeper import ratelimit
from leadkeeper.context import RequestContext
from leadkeeper.crypto import blind_index
from leadkeeper.inserts import prepare_row
from subjects.services import subject_for_lead

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


def check_lead_rate(*, context: RequestContext) -> None:
    """Count this lead against its address's limit; RateLimited when over it.

    Called inside the lead's transaction (one statement, no savepoint): a refused lead rolls
    its count back with everything else, which leaves the window at its limit, so the
    next one is refused too; an accepted lead's count commits with it (issue 9).
    """
    rate = ratelimit.Rate.parse(settings.LEAD_RATE_LIMIT)
    if not ratelimit.allow(scope="lead", ip=context.ip, rate=rate):
        logger.warning("capture.lead.rate_limited")
        raise RateLimited(f"more than {rate.limit} leads in {rate.seconds} s from one address")


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
    is stored and the caller reports an error. Eight statements with BEGIN and COMMIT
    (issue 9; capture/tests/test_services.py guards the number).

    The rows (the lead's encryption and blind indexes, the consent record, the audit event,
    the outbox row) are built before the transaction begins, so its statements run back to
    back: SQLite's one writer lock is held that much less per lead. The count comes last:
    on PostgreSQL its row is locked until COMMIT, and one address's leads (an office behind
    one NAT) would otherwise queue behind each other for the whole transaction.
    """
    now = timezone.now()
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
            phone_index=blind_index(data.phone),
            email_index=blind_index(data.email),
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
    with transaction.atomic(durable=True):
        subject = subject_for_lead(phone=data.phone, email=data.email, at=now)
        lead = lead_row.insert(subject=subject)
        consent = consent_row.insert(subject=subject, lead=lead)
        event_row.insert(
            subject_id=subject.pk,
            object_id=str(lead.pk),
            data={"consent_record": consent.pk, "channel": channel},
        )
        queue_lead_delivery(lead=lead, rows=outbox_rows)
        check_lead_rate(context=context)
    logger.info("capture.lead.captured", extra={"lead_id": lead.pk, "subject_id": subject.pk})
    return lead
