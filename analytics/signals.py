"""Attribute each new lead without touching the capture app: a post_save receiver.

The visitor key is computed inside the lead's transaction (from the lead's IP and
User-Agent, under today's salt, while it exists); the lookup and the write run after
commit with `robust=True`, so attribution can never make the capture of a lead fail: if
it fails, the lead stands and the failure is logged.
"""

import logging

from django.db import transaction
from django.db.models.signals import post_save

from capture.models import Lead

logger = logging.getLogger(__name__)


def lead_created(sender: type, instance: Lead, created: bool, raw: bool = False, **kwargs: object):
    if not created or raw:
        return
    from .services.attribution import attribute_lead, lead_visitor_key

    try:
        # A savepoint: whatever goes wrong here must not break the lead's transaction.
        with transaction.atomic():
            key = lead_visitor_key(instance)
    except Exception:
        logger.exception("analytics.lead.visitor_key_failed", extra={"lead_id": instance.pk})
        key = ""
    lead_id = instance.pk

    # A named function, not a partial: Django logs a robust callback's __qualname__.
    def attribute_after_commit() -> None:
        attribute_lead(lead_id=lead_id, key=key)

    transaction.on_commit(attribute_after_commit, robust=True)


def connect() -> None:
    post_save.connect(lead_created, sender=Lead, dispatch_uid="analytics.lead_created")
