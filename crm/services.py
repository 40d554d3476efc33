from functools import partial

from django.db import transaction

from capture.models import Lead

from .models import OutboxMessage


def queue_lead_delivery(*, lead: Lead) -> OutboxMessage:
    """Write the outbox row in the caller's transaction; enqueue delivery after commit."""
    from .tasks import deliver_outbox_message

    message = OutboxMessage.objects.create(kind=OutboxMessage.Kind.CRM_LEAD, ref=lead.pk)
    transaction.on_commit(partial(deliver_outbox_message.enqueue, message.pk))
    return message
