"""Attribute each new lead without touching the capture app: a post_save receiver.

The visitor key is computed inside the lead's transaction (from the lead's IP and
User-Agent, under today's salt, while it exists); the lookup and the write run in a
background task enqueued in that same transaction, so attribution costs the visitor's
request nothing and can never make the capture of a lead fail.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save

from capture.models import Lead
from leadkeeper.tasks import enqueue_with_transaction

logger = logging.getLogger(__name__)


def lead_created(sender: type, instance: Lead, created: bool, raw: bool = False, **kwargs: object):
    if not created or raw:
        return
    from . import tasks
    from .services.attribution import lead_visitor_key

    try:
        # A savepoint: whatever goes wrong here must not break the lead's transaction.
        with transaction.atomic():
            key = lead_visitor_key(instance)
    except Exception:
        logger.exception("analytics.lead.visitor_key_failed", extra={"lead_id": instance.pk})
        key = ""
    enqueue_with_transaction(tasks.attribute_lead, instance.pk, key)


def connect() -> None:
    post_save.connect(lead_created, sender=Lead, dispatch_uid="analytics.lead_created")
