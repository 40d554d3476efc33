"""Pacing user deletion requests under Google's quota, shared by every process.

Google allows 1.5 requests/s and 500 requests a day per property. Integrations own no
tables, so the counters live in leadkeeper's RateLimitCounter (leadkeeper.ratelimit, the
same atomic upsert the lead form's limit uses) and every worker on every machine sees them:
- at most 1 request per two-second window, sent only in the window's second half: two
  requests are then never less than a second apart, as Google counts 1.5/s in any sliding
  second (a one-second fixed window let two land 1 ms apart across its boundary, and Google
  refused the second with 403 rateLimitExceeded);
- at most 250 per UTC day: Google's quota day runs midnight to midnight Pacific Time, and
  every Pacific day overlaps exactly two UTC days, so 2 x 250 never exceeds Google's 500.
A rights desk erases a handful of people a day; the halved budget costs nothing real.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from leadkeeper.ratelimit import Rate, hit

from .errors import GoogleRateLimited

PER_SLOT = Rate(limit=1, seconds=2)
SEND_FROM = 1.0  # seconds into its window a slot's request may go
PER_DAY = Rate(limit=250, seconds=86400)
SCOPE_SLOT = "google-user-deletion-s"
SCOPE_DAY = "google-user-deletion-d"
MAX_WAITS = 600  # ten minutes of contention is a stuck scheduler, not a queue


def _into_window(seconds: int) -> float:
    return timezone.now().timestamp() % seconds


def _seconds_to_next_window(seconds: int) -> float:
    return seconds - _into_window(seconds)


class SharedDeletionPacer:
    """DeletionPacer backed by the database; `sleep` is injectable so tests move a clock."""

    def __init__(self, *, sleep: Callable[[float], None] = time.sleep) -> None:
        self._sleep = sleep

    def wait_for_slot(self, *, property_id: str) -> None:
        if not hit(scope=SCOPE_DAY, client=property_id, rate=PER_DAY):
            wait = _seconds_to_next_window(PER_DAY.seconds)
            raise GoogleRateLimited(
                f"{PER_DAY.limit} user deletion requests already sent today for property "
                f"{property_id}; the next slot opens in {timedelta(seconds=round(wait))}",
                retry_after=wait,
                daily=True,
                status=None,
            )
        for _ in range(MAX_WAITS):
            if hit(scope=SCOPE_SLOT, client=property_id, rate=PER_SLOT):
                early = SEND_FROM - _into_window(PER_SLOT.seconds)
                if early > 0:
                    self._sleep(early)
                return
            self._sleep(_seconds_to_next_window(PER_SLOT.seconds))
        raise GoogleRateLimited(
            f"no user deletion slot for property {property_id} after {MAX_WAITS} tries",
            retry_after=1.0,
            status=None,
        )
