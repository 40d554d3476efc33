"""How a failed request to Kommo settles the rows it carried (integrations.kommo.errors).

- 429: everyone waits Retry-After (a block in the shared state), rows retry after it;
- 5xx, timeouts: a shared breaker backs off exponentially with jitter; rows keep their
  order, so when Kommo comes back the oldest go first;
- 401/403: delivery pauses (staff see it in the back office), no retries are burnt.
(A 400 naming rows is settled by the batch: those rows are dead-lettered, the rest go on.)
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import NoReturn

from django.utils import timezone

from integrations.kommo.errors import KommoError, KommoRateLimited, KommoUnauthorized

from .. import pacing
from ..models import OutboxMessage
from .claims import reschedule

logger = logging.getLogger("crm.delivery")

BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 15 * 60.0
RATE_LIMIT_DEFAULT_WAIT = 1.0


class SimulatedCrash(BaseException):
    """Raised by fault-injection hooks in tests: like a killed worker, it skips all cleanup."""


# Fault injection for tests: called with "before_call", "after_call" (Kommo accepted, our
# commit not yet made) and "after_commit". None in production.
fault_hook: Callable[[str], None] | None = None


def fault(point: str) -> None:
    if fault_hook is not None:
        fault_hook(point)


class Stop(Exception):
    """Kommo said stop (rate limit, outage, auth); the rows are already rescheduled."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotSent(Stop):
    """Another worker blocked or paused delivery before our request went out."""


def backoff_seconds(attempt: int, *, retry_after: float | None = None) -> float:
    """Exponential backoff with equal jitter, never shorter than Kommo's Retry-After."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempt - 1))
    delay = random.uniform(ceiling / 2, ceiling)
    return max(delay, retry_after or 0.0)


def handle(error: KommoError, rows: list[OutboxMessage], *, worker: str) -> NoReturn:
    """Reschedule `rows` after a failed request and stop the batch (always raises Stop)."""
    if isinstance(error, KommoRateLimited):
        wait = error.retry_after or RATE_LIMIT_DEFAULT_WAIT
        until = pacing.block_for(wait)
        logger.warning("crm.delivery.rate_limited", extra={"retry_after": wait})
        # 429: Kommo did nothing, nothing is in doubt.
        reschedule(worker, rows, at=until, error=str(error), in_doubt=False)
        raise Stop(f"rate limited for {wait:.1f} s")
    if isinstance(error, KommoUnauthorized):
        pacing.pause_delivery(reason=str(error))
        logger.error("crm.delivery.paused", extra={"status": error.status})
        # Not the rows' fault: no attempt is counted against them.
        reschedule(
            worker, rows, at=timezone.now(), error=str(error), in_doubt=False, attempted=False
        )
        raise Stop("paused: Kommo refused the token")
    # KommoUnavailable and anything unexpected: Kommo may have processed the request.
    maybe = getattr(error, "maybe_processed", True)
    failures = pacing.note_failure()
    retry_after = getattr(error, "retry_after", None)
    until = pacing.block_for(backoff_seconds(failures, retry_after=retry_after))
    logger.warning(
        "crm.delivery.unavailable",
        extra={"status": error.status, "failures": failures, "rows": len(rows)},
    )
    reschedule(worker, rows, at=until, error=str(error), in_doubt=None if maybe else False)
    raise Stop(f"Kommo unavailable, retrying at {until:%H:%M:%S}")
