"""Tasks are thin: load by id, call a service (STYLE §4)."""

import logging

from django_tasks import task

from .selectors import kommo_configured, sweep_targets

logger = logging.getLogger(__name__)


@task()
def deliver_outbox_message(message_id: int) -> str:
    """Deliver one outbox row (and the batch of due rows around it).

    Until Kommo is configured, lead rows wait: nothing is lost. Sales emails do not wait.
    """
    from .delivery import deliver_message

    return deliver_message(message_id=message_id)


@task()
def sweep_outbox() -> int:
    """Re-enqueue due rows whose task was lost (a crash between commit and enqueue).

    One task per 50 due leads is enough: each task delivers a whole batch.
    """
    targets = sweep_targets(kommo=kommo_configured())
    for message_id in targets:
        deliver_outbox_message.enqueue(message_id)
    return len(targets)


@task()
def poll_kommo_changes() -> str:
    """For accounts without webhooks: read the leads Kommo changed since the last poll."""
    if not kommo_configured():
        return "waiting: Kommo not configured"
    from .inbound import poll_changes

    return str(poll_changes())
