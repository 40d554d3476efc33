"""Writes of the crm app: queue deliveries, retry dead letters, resume a paused connection."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from capture.models import Lead
from leadkeeper.inserts import PreparedRow, prepare_row
from leadkeeper.tasks import enqueue_on_commit

from . import pacing
from .models import OutboxMessage


def prepare_lead_delivery() -> list[PreparedRow[OutboxMessage]]:
    """A lead's outbox rows, built before its transaction (SQLite's writer lock is not held
    while they are built, issue 9); queue_lead_delivery() writes them.

    One row delivers the lead to Kommo; another emails sales (when SALES_EMAIL is set).
    """
    kinds = [OutboxMessage.Kind.CRM_LEAD]
    if settings.SALES_EMAIL:
        kinds.append(OutboxMessage.Kind.SALES_NOTIFICATION)
    return [prepare_row(OutboxMessage(kind=kind), later=("ref",)) for kind in kinds]


def queue_lead_delivery(
    *, lead: Lead, rows: list[PreparedRow[OutboxMessage]] | None = None
) -> OutboxMessage:
    """Write the lead's outbox rows (prepared, or built now) in the caller's transaction:
    the rows are the queue; the Kommo row is returned.

    No task per lead: the scheduler wakes the delivery job within a second of the commit
    (crm.tasks.deliver_due_outbox), which takes due rows in batches (issue 9).
    """
    rows = rows or prepare_lead_delivery()
    if len(rows) == 1:
        return rows[0].insert(ref=lead.pk)
    for prepared in rows:  # one statement for both rows
        prepared.row.ref = lead.pk
    OutboxMessage.objects.bulk_create([prepared.row for prepared in rows])
    return rows[0].row


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
