"""Writes of the crm app: queue deliveries, retry dead letters, resume a paused connection."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from capture.models import Lead
from leadkeeper.inserts import insert_row
from leadkeeper.tasks import enqueue_on_commit

from . import pacing
from .models import OutboxMessage


def queue_lead_delivery(*, lead: Lead) -> OutboxMessage:
    """Write the outbox rows in the caller's transaction: the rows are the queue.

    One row delivers the lead to Kommo; another emails sales (when SALES_EMAIL is set). No
    task per lead: the scheduler wakes the delivery job within a second of the commit
    (crm.tasks.deliver_due_outbox), which takes due rows in batches (issue 9).
    """
    rows = [OutboxMessage(kind=OutboxMessage.Kind.CRM_LEAD, ref=lead.pk)]
    if settings.SALES_EMAIL:
        rows.append(OutboxMessage(kind=OutboxMessage.Kind.SALES_NOTIFICATION, ref=lead.pk))
    if len(rows) == 1:
        insert_row(rows[0])
    else:
        OutboxMessage.objects.bulk_create(rows)
    return rows[0]


def retry_messages(*, message_ids: list[int]) -> int:
    """Staff fixed the cause: dead or waiting rows become due now (attempts are kept)."""
    from .tasks import deliver_outbox_message

    now = timezone.now()
    with transaction.atomic():
        count = (
            OutboxMessage.objects.filter(pk__in=message_ids)
            .exclude(state=OutboxMessage.State.DELIVERED)
            # A row a live worker holds may be on its way to Kommo right now: freeing it
            # would let a second worker send it too (a duplicate lead). It is due anyway.
            .exclude(state=OutboxMessage.State.PENDING, claimed_until__gt=now)
            .update(
                state=OutboxMessage.State.PENDING,
                next_attempt_at=now,
                claimed_by="",
                claimed_until=None,
            )
        )
        for message_id in message_ids:
            enqueue_on_commit(deliver_outbox_message, message_id)
    return count


def resume_kommo_delivery() -> None:
    """Staff renewed the token (or fixed rights in Kommo): deliver again."""
    from .tasks import deliver_due_outbox

    pacing.resume_delivery()
    enqueue_on_commit(deliver_due_outbox)
