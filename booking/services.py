"""Writes of the booking app: apply Cal.com webhooks to bookings, once each (DESIGN: booking)."""

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from capture.models import Lead
from capture.selectors import leads_matching
from integrations.calcom.payloads import (
    BOOKING_CANCELLED,
    BOOKING_CREATED,
    BOOKING_RESCHEDULED,
    BookingPayload,
    WebhookEvent,
)
from integrations.calcom.webhooks import parse_booking
from leadkeeper.crypto import blind_index
from subjects.models import Subject
from subjects.normalise import normalise_email
from subjects.services import record_interaction, subject_for

from .errors import BookingWebhookRejected, WebhookOutsideWindow
from .models import Booking, WebhookDelivery

logger = logging.getLogger(__name__)

HANDLED_EVENTS = (BOOKING_CREATED, BOOKING_RESCHEDULED, BOOKING_CANCELLED)


@dataclass(frozen=True)
class Handled:
    outcome: str  # applied | duplicate | stale | ignored
    booking_id: int | None = None


def delivery_key(event: WebhookEvent, booking: BookingPayload) -> str:
    """Cal.com retries send the same trigger, uid and createdAt: one key per real event."""
    raw = f"{event.trigger_event}|{booking.uid}|{event.created_at.isoformat()}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _attendee_email(booking: BookingPayload) -> tuple[str, str]:
    if not booking.attendees:
        raise BookingWebhookRejected(f"booking {booking.uid} has no attendee")
    attendee = booking.attendees[0]  # the person who booked; guests follow
    try:
        email = normalise_email(attendee.email)
    except ValidationError:
        raise BookingWebhookRejected(f"booking {booking.uid}: attendee email is invalid") from None
    return email, attendee.name.strip()[:200]


def _lead_and_subject(email: str, uids: list[str]) -> tuple[Lead | None, Subject]:
    """The lead with this email (most recent), and the subject the booking belongs to.

    Cal.com sends the attendee's email only, and anyone can book with anyone's email, so
    the email links the booking to a lead for sales to see, but never makes the booking
    part of the lead's subject (issue 15: one subject only through an identifier the person
    controls). A booking (or the one it reschedules) keeps its subject, so a DPO's merge
    holds; a new one goes to the subject known by nothing but this email, else to a new
    subject that subject_for() marks as a possible duplicate of the lead's, for the DPO.
    """
    lead = (
        leads_matching(phone_or_email=email, region=settings.DEFAULT_PHONE_REGION)
        .order_by("-created_at")
        .first()
    )
    known = (
        Booking.objects.filter(uid__in=uids, subject__erased_at__isnull=True)
        .select_related("subject")
        .first()
    )
    if known is not None and known.subject is not None:
        return lead, known.subject
    return lead, subject_for(phone="", email=email)


def _touch(*, lead: Lead | None, subject: Subject, at: datetime) -> None:
    """A booking is an interaction with its subject and its lead (policy §5 clocks)."""
    record_interaction(subject=subject, at=at, source="calcom booking")
    if lead is not None:
        Lead.objects.filter(pk=lead.pk, retention_from__lt=at).update(retention_from=at)


def _save(
    *,
    uid: str,
    status: str,
    booking: BookingPayload,
    event_at: datetime,
    email: str,
    name: str,
    lead: Lead | None,
    subject: Subject,
    **extra: str,
) -> tuple[Booking, bool]:
    """Create or update one booking; False when a later event was already applied."""
    existing = Booking.objects.select_for_update().filter(uid=uid).first()
    if existing is not None and existing.last_event_at > event_at:
        return existing, False
    now = timezone.now()
    fields = {
        "status": status,
        "title": booking.title,
        "start_time": booking.start_time,
        "end_time": booking.end_time,
        "name": name,
        "email": email,
        "email_index": blind_index(email),
        "lead": lead,
        "subject": subject,
        "retention_from": now,
        "last_event_at": event_at,
        "updated_at": now,
        **extra,
    }
    if existing is None:
        return Booking.objects.create(uid=uid, created_at=now, **fields), True
    for key, value in fields.items():
        setattr(existing, key, value)
    existing.save()
    return existing, True


def check_delivery_window(*, event: WebhookEvent) -> None:
    """Refuse a delivery whose createdAt is outside the tolerance (CALCOM_WEBHOOK_TOLERANCE_
    SECONDS, 5 minutes): a captured, validly signed body replayed later. Inside the window
    the delivery key makes a replay a "duplicate" that changes nothing."""
    tolerance = settings.CALCOM_WEBHOOK_TOLERANCE_SECONDS
    age = (timezone.now() - event.created_at).total_seconds()
    if abs(age) > tolerance:
        logger.warning("booking.webhook.outside_window", extra={"age_s": int(age)})
        raise WebhookOutsideWindow(
            f"{event.trigger_event} was created {int(age)} s ago; "
            f"deliveries are accepted within {tolerance} s of createdAt"
        )


def handle_calcom_event(*, event: WebhookEvent) -> Handled:
    """Apply one verified Cal.com delivery. Replays answer "duplicate" and change nothing."""
    check_delivery_window(event=event)
    if event.trigger_event not in HANDLED_EVENTS:
        logger.info("booking.webhook.ignored", extra={"trigger": event.trigger_event})
        return Handled("ignored")
    payload = parse_booking(event)
    key = delivery_key(event, payload)
    if WebhookDelivery.objects.filter(key=key).exists():
        return Handled("duplicate")
    email, name = _attendee_email(payload)
    try:
        return _apply(event=event, payload=payload, key=key, email=email, name=name)
    except IntegrityError:
        # A concurrent request inserted either this same delivery, or another event of the
        # same booking uid (a cancellation right after the creation): in the second case
        # this event must still be applied, now on the row that exists.
        if WebhookDelivery.objects.filter(key=key).exists():
            return Handled("duplicate")
        return _apply(event=event, payload=payload, key=key, email=email, name=name)


@transaction.atomic
def _apply(
    *, event: WebhookEvent, payload: BookingPayload, key: str, email: str, name: str
) -> Handled:
    lead, subject = _lead_and_subject(
        email, [u for u in (payload.uid, payload.reschedule_uid) if u]
    )
    event_at = min(event.created_at, timezone.now())
    common = {
        "booking": payload,
        "event_at": event_at,
        "email": email,
        "name": name,
        "lead": lead,
        "subject": subject,
    }
    trigger = event.trigger_event
    if trigger == BOOKING_CANCELLED:
        booking, applied = _save(uid=payload.uid, status=Booking.Status.CANCELLED, **common)
    elif trigger == BOOKING_RESCHEDULED and payload.reschedule_uid:
        booking, applied = _save(
            uid=payload.uid,
            status=Booking.Status.SCHEDULED,
            rescheduled_from=payload.reschedule_uid,
            **common,
        )
        Booking.objects.filter(uid=payload.reschedule_uid, last_event_at__lte=event_at).update(
            status=Booking.Status.RESCHEDULED,
            rescheduled_to=payload.uid,
            last_event_at=event_at,
            updated_at=timezone.now(),
        )
    else:
        booking, applied = _save(uid=payload.uid, status=Booking.Status.SCHEDULED, **common)
    outcome = "applied" if applied else "stale"
    WebhookDelivery.objects.create(key=key, trigger_event=trigger, booking=booking, outcome=outcome)
    if applied:
        _touch(lead=lead, subject=subject, at=event_at)
        record_event(
            actor="calcom",
            action=f"booking.{trigger.removeprefix('BOOKING_').lower()}",
            subject_id=subject.pk,
            obj=booking,
            reason="Cal.com webhook: a consultation booked through Cal.com (policy §6)",
            data={"lead": lead.pk if lead else None, "status": booking.status},
        )
    logger.info(
        "booking.webhook.applied",
        extra={"booking_id": booking.pk, "trigger": trigger, "outcome": outcome},
    )
    return Handled(outcome, booking.pk)
