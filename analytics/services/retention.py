"""What retention needs from analytics before raw events go (policy §5: 14 months).

The retention app owns the rule and the deletion (retention/plans.py, one home for every
period); analytics owns its aggregates. Before any raw event of a day is deleted, the day
is rolled up from all its events and marked final (RollupDay.raw_pruned), so no later
rebuild can replace its aggregates with zeros.
"""

import datetime
import logging

from ..models import Event, RollupDay
from .rollups import rebuild_day

logger = logging.getLogger(__name__)


def finalise_rollups_before(*, before: datetime.datetime) -> int:
    """Roll up and freeze every day that has an event collected before `before`.

    Safe to run again: a final day is left as it is. Returns how many days were frozen now.
    """
    days = sorted(Event.objects.filter(retention_from__lt=before).dates("ts", "day"))
    frozen = 0
    for day in days:
        status = RollupDay.objects.filter(day=day).first()
        if status is not None and status.raw_pruned:
            continue
        rebuild_day(day=day)
        RollupDay.objects.filter(day=day).update(raw_pruned=True)
        frozen += 1
    if frozen:
        logger.info("analytics.rollups.finalised", extra={"days": frozen})
    return frozen
