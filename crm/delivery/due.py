"""The outbox is the queue: one job delivers every due row, woken by the scheduler.

A lead's transaction writes its outbox row and nothing else for delivery: no task per lead
(issue 9). Each second the scheduler wakes `crm.tasks.deliver_due_outbox` when a row is due
(crm.selectors.outbox_has_due_rows); it claims due rows in batches of 50 under the usual
leases until none is left, so a lost wake-up, a crashed worker or a restart costs a delay,
never a lead (a crashed worker's rows fall due again when their lease runs out).
"""

from __future__ import annotations

from ..models import OutboxMessage
from ..selectors import kommo_configured
from .batch import BatchReport, deliver_batch

# Bounded, so one wake-up never holds a worker for ever while leads keep arriving; the next
# wake-up a second later goes on.
MAX_BATCHES_PER_RUN = 20
MAX_EMAILS_PER_RUN = 100


def deliver_due(*, max_batches: int = MAX_BATCHES_PER_RUN) -> list[str]:
    """Send due sales emails, then due leads batch by batch; one line per email or batch."""
    from ..notifications import send_sales_notification

    outputs = [
        send_sales_notification(message_id=message_id)
        for message_id in OutboxMessage.objects.due(
            kind=OutboxMessage.Kind.SALES_NOTIFICATION
        ).values_list("pk", flat=True)[:MAX_EMAILS_PER_RUN]
    ]
    if not kommo_configured():
        return outputs
    for _ in range(max_batches):
        report: BatchReport = deliver_batch()
        outputs.append(str(report))
        if report.stopped or report.claimed == 0:
            break
    return outputs
