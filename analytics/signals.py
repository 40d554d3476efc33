"""Attribute each new lead without touching the capture app: a post_save receiver.

The visitor key is computed inside the lead's transaction (from the lead's IP and
User-Agent, under today's salt, while it exists); the lookup and the write run after
commit with `robust=True`, so attribution can never fail or slow down the capture of a
lead: if it fails, the lead stands and the failure is logged.
"""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_save

from capture.models import Lead


def lead_created(sender: type, instance: Lead, created: bool, raw: bool = False, **kwargs: object):
    if not created or raw:
        return
    from .services.attribution import attribute_lead, lead_visitor_key

    key = lead_visitor_key(instance)
    transaction.on_commit(partial(attribute_lead, lead_id=instance.pk, key=key), robust=True)


def connect() -> None:
    post_save.connect(lead_created, sender=Lead, dispatch_uid="analytics.lead_created")
