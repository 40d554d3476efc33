"""Pruning raw events after the analytics retention (policy §5: 14 months).

Aggregates survive: a day is rolled up before its raw events go, and is then marked final
(RollupDay.raw_pruned), so no later rebuild can replace its aggregates with zeros.
Deletion runs in small batches so it never holds the write lock long (DESIGN flow 5).
"""

import datetime
import logging

from django.db import transaction
from django.utils import timezone

from register.selectors import retention_rule

from ..models import Event, RollupDay
from .rollups import rebuild_day

logger = logging.getLogger(__name__)

BATCH = 5000


def retention_cutoff(now: datetime.datetime | None = None) -> datetime.date:
    """The first day whose raw events are still kept (months counted as calendar months)."""
    now = now or timezone.now()
    months = retention_rule(Event.retention_rule).months
    year, month = divmod(now.year * 12 + now.month - 1 - months, 12)
    day = min(now.day, 28)
    return datetime.date(year, month + 1, day)


def prune_raw_events(*, now: datetime.datetime | None = None) -> int:
    cutoff = retention_cutoff(now)
    start = datetime.datetime.combine(cutoff, datetime.time(), tzinfo=datetime.UTC)
    days = sorted(Event.objects.filter(ts__lt=start).dates("ts", "day"))
    for day in days:
        status = RollupDay.objects.filter(day=day).first()
        if status is None or not status.raw_pruned:
            rebuild_day(day=day)
        RollupDay.objects.filter(day=day).update(raw_pruned=True)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(Event.objects.filter(ts__lt=start).values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            deleted += Event.objects.filter(pk__in=ids).delete()[0]
    if deleted:
        logger.info("analytics.retention.pruned", extra={"events": deleted, "before": str(cutoff)})
    return deleted
