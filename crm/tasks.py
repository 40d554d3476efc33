import logging

from django_tasks import task

from .selectors import kommo_configured, messages_due

logger = logging.getLogger(__name__)


@task()
def deliver_outbox_message(message_id: int) -> str:
    """Deliver one outbox row. Until Kommo is configured, rows wait: nothing is lost."""
    if not kommo_configured():
        logger.info("crm.delivery.waiting", extra={"message_id": message_id})
        return "waiting: Kommo not configured"
    from .delivery import deliver_message  # built in the Kommo delivery issue

    return deliver_message(message_id=message_id)


@task()
def sweep_outbox() -> int:
    """Re-enqueue due rows whose task was lost (a crash between commit and enqueue)."""
    if not kommo_configured():
        return 0
    due = messages_due(limit=500)
    for message in due:
        deliver_outbox_message.enqueue(message.pk)
    return len(due)
