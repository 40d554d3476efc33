"""Tasks are thin: load by id, call a service (STYLE §4)."""

import logging

from django_tasks import task

from . import pacing
from .models import OutboxMessage
from .selectors import kommo_configured

logger = logging.getLogger(__name__)


@task()
def deliver_outbox_message(message_id: int) -> str:
    """Deliver one outbox row (and the batch of due rows around it).

    Until Kommo is configured, lead rows wait: nothing is lost. Sales emails do not wait.
    """
    message = OutboxMessage.objects.filter(pk=message_id).first()
    if message is None:
        return f"outbox message {message_id} does not exist"
    if message.kind == OutboxMessage.Kind.SALES_NOTIFICATION:
        if message.state != OutboxMessage.State.PENDING:
            return f"outbox message {message_id} is already {message.state}"
        from .notifications import send_sales_notification

        return send_sales_notification(message_id=message_id)
    if not kommo_configured():
        return "waiting: Kommo not configured"
    # Each lead's task delivers the batch of due rows, its own among them while pending; a
    # task whose row went in an earlier batch still takes the next one, so the worker's
    # queue (one task per lead) drains at one batch per task, not one per 50 tasks.
    due = OutboxMessage.objects.due(kind=OutboxMessage.Kind.CRM_LEAD)
    if message.state != OutboxMessage.State.PENDING and not due.exists():
        return f"outbox message {message_id} is already {message.state}"
    from .delivery import deliver_batch

    return str(deliver_batch())


@task()
def deliver_due_outbox() -> str:
    """Deliver every due outbox row (the scheduler wakes this each second while one is due).

    Also the sweeper: rows whose worker crashed fall due when their lease runs out.
    """
    pacing.resume_delivery_if_due()  # the operator may have configured a new token
    from .delivery import deliver_due

    return "; ".join(deliver_due()) or "nothing due"


@task()
def poll_kommo_changes() -> str:
    """For accounts without webhooks: read the leads Kommo changed since the last poll."""
    if not kommo_configured():
        return "waiting: Kommo not configured"
    from .inbound import poll_changes

    return str(poll_changes())


@task()
def apply_kommo_webhooks() -> str:
    """Apply stored Kommo webhooks (the scheduler wakes this each second while one waits)."""
    from .webhook_inbox import apply_stored_webhooks

    return "; ".join(apply_stored_webhooks()) or "nothing waiting"
