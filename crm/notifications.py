"""Tell sales a lead arrived: an email with a link to the back office, no personal data.

Mail travels through systems the register does not name as recipients, so the subject
and body carry only the lead's number and a link; the details are behind the staff login.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from leadkeeper.logging import redact
from leadkeeper.scheduling import worker_name

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# Long enough for a slow SMTP server; a worker that dies while sending frees the row after it.
NOTIFY_LEASE = timedelta(minutes=5)


def lead_admin_url(lead_id: int) -> str:
    path = reverse("admin:capture_lead_change", args=[lead_id])
    return f"{settings.SITE_URL.rstrip('/')}{path}"


def notification_text(lead_id: int) -> tuple[str, str]:
    """In the sales team's language (STAFF_LANGUAGE): a worker has no visitor to ask."""
    with translation.override(settings.STAFF_LANGUAGE):
        subject = _("New website lead #%(id)s") % {"id": lead_id}
        body = _(
            "A new consultation request (lead #%(id)s) has arrived on the website.\n\n"
            "Open it in the back office: %(url)s\n\n"
            "Contact details are shown there only, after you sign in.\n"
        ) % {"id": lead_id, "url": lead_admin_url(lead_id)}
    return subject, body


def send_sales_notification(*, message_id: int) -> str:
    message = OutboxMessage.objects.filter(
        pk=message_id,
        kind=OutboxMessage.Kind.SALES_NOTIFICATION,
        state=OutboxMessage.State.PENDING,
    ).first()
    if message is None:
        return f"notification {message_id} is not pending"
    if not settings.SALES_EMAIL:
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=OutboxMessage.State.DELIVERED,
            delivered_at=timezone.now(),
            last_error="SALES_EMAIL not set: nobody to tell",
        )
        return "skipped: SALES_EMAIL not set"
    if not _claim(message):
        return f"notification {message_id} is being sent by another worker"
    subject, body = notification_text(message.ref)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [settings.SALES_EMAIL])
    except Exception as error:  # SMTP failures come in many types; all mean "try later"
        delay = min(3600, 30 * 2**message.attempts)
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=F("attempts") + 1,
            next_attempt_at=timezone.now() + timedelta(seconds=delay),
            last_error=redact(f"{type(error).__name__}: {error}")[:2000],
            claimed_by="",
            claimed_until=None,
        )
        logger.warning(
            "crm.notify.failed", extra={"message_id": message.pk, "lead_id": message.ref}
        )
        return f"failed, retrying in {delay} s"
    OutboxMessage.objects.filter(pk=message.pk).update(
        state=OutboxMessage.State.DELIVERED,
        delivered_at=timezone.now(),
        last_error="",
        claimed_by="",
        claimed_until=None,
    )
    logger.info("crm.notify.sent", extra={"message_id": message.pk, "lead_id": message.ref})
    return "sent"


def _claim(message: OutboxMessage) -> bool:
    """Take the row for this worker alone, so the task and the sweeper's copy of it (both
    may run while the first is still talking to SMTP) send one email, not two."""
    return bool(
        OutboxMessage.objects.claimable()
        .filter(pk=message.pk)
        .update(claimed_by=worker_name(), claimed_until=timezone.now() + NOTIFY_LEASE)
    )
