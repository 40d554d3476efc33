"""Carries out what expiry left for the recipients (policy §5, §6), and settles it once.

The periodic job claims due actions in small batches under a lease (skip-locked on
PostgreSQL, as crm's outbox claims its rows), so workers never take the same action and a
killed worker's actions come back when its lease runs out. Each action is one vendor call
sequence with no transaction held open around it; the settle is its own short transaction.

A crash between the recipient's answer and the settle repeats the call after the lease:
Kommo's erase PATCH writes the same blanks again (harmless), a Cal.com booking is read
before it is cancelled, and `settle_recipient_action` settles an action only once.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations.calcom.errors import (
    CalcomError,
    CalcomRateLimited,
    CalcomUnauthorized,
    CalcomUnavailable,
)
from integrations.kommo.errors import (
    KommoError,
    KommoRateLimited,
    KommoUnauthorized,
    KommoUnavailable,
)
from leadkeeper.logging import redact
from leadkeeper.scheduling import worker_name

from ..errors import RecipientNeedsPerson
from ..models import RecipientAction
from .recipient_calls import carry_out
from .recipients import settle_recipient_action

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)  # far above a few paced PATCHes: a live worker keeps its claim
CLAIM = 10  # actions per claim
MAX_PER_RUN = 100  # per task run; the scheduler wakes the job again while any is due
MAX_ATTEMPTS = 12  # with backoff capped at 6 h: about two days of a vendor outage
BACKOFF_BASE = 30.0
BACKOFF_CAP = 6 * 3600.0
# A refused token (or crm's pause after one) is a person's to renew; not the action's fault.
PAUSED_RETRY = timedelta(hours=1)
PASSING = (KommoRateLimited, KommoUnavailable, CalcomRateLimited, CalcomUnavailable)
REFUSED = (KommoUnauthorized, CalcomUnauthorized)
FIX = {
    "kommo": "Check the Kommo token and its rights (KOMMO_ACCESS_TOKEN), then retry this action",
    "calcom": "Check the Cal.com API key (CALCOM_API_KEY) owns this booking, then retry",
}

# Test seam, as crm's `failures.fault_hook`: called after the recipient answered and before
# the settle, so a test can kill the worker exactly there.
fault_hook: Callable[[RecipientAction], None] | None = None


def _claimable(now: datetime) -> Q:
    return Q(state__in=RecipientAction.OPEN, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def claim_actions(*, worker: str, limit: int = CLAIM) -> list[RecipientAction]:
    """Take up to `limit` due actions, oldest due first, for `worker` until the lease ends."""
    now = timezone.now()
    with transaction.atomic():
        due = RecipientAction.objects.filter(_claimable(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: actions another worker is claiming right now are skipped, not awaited.
            due = due.select_for_update(skip_locked=True)
        rows = list(due[:limit])
        RecipientAction.objects.filter(pk__in=[r.pk for r in rows]).update(
            claimed_by=worker, claimed_until=now + LEASE
        )
    return rows


def _release(action: RecipientAction, worker: str, **changes: object) -> None:
    """Give the action back with `changes`, unless its lease ran out and another took it."""
    RecipientAction.objects.filter(pk=action.pk, claimed_by=worker).update(
        claimed_by="", claimed_until=None, **changes
    )


def backoff(attempt: int, *, retry_after: float | None = None) -> timedelta:
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempt - 1))
    return timedelta(seconds=max(random.uniform(ceiling / 2, ceiling), retry_after or 0.0))


def _retry(action: RecipientAction, worker: str, error: Exception) -> datetime | None:
    """A passing failure: try again later, or fail after MAX_ATTEMPTS. Returns the retry time."""
    attempt = action.attempts + 1
    name = action.recipient
    if attempt >= MAX_ATTEMPTS:
        _release(
            action,
            worker,
            state=RecipientAction.State.FAILED,
            attempts=attempt,
            last_error=redact(f"{error}; gave up after {attempt} attempts. {FIX.get(name, '')}"),
        )
        return None
    at = timezone.now() + backoff(attempt, retry_after=getattr(error, "retry_after", None))
    _release(
        action,
        worker,
        state=RecipientAction.State.RETRYING,
        attempts=F("attempts") + 1,
        next_attempt_at=at,
        last_error=redact(
            f"{error}; retrying at {at:%Y-%m-%d %H:%M} UTC (attempt {attempt} of {MAX_ATTEMPTS})"
        ),
    )
    return at


def _execute(action: RecipientAction, worker: str) -> tuple[str, datetime | None]:
    """Carry out one action; (outcome, until when its recipient should be left alone)."""
    try:
        receipt = carry_out(action)
    except RecipientNeedsPerson as error:
        _release(action, worker, state=RecipientAction.State.WAITING, last_error=str(error))
        return "waiting", None
    except REFUSED as error:
        at = timezone.now() + PAUSED_RETRY
        words = f"{error}. {FIX[action.recipient]}; tried again hourly, no attempt counted"
        _release(
            action,
            worker,
            state=RecipientAction.State.RETRYING,
            next_attempt_at=at,
            last_error=redact(words),
        )
        return "paused", at
    except PASSING as error:
        at = _retry(action, worker, error)
        return ("retrying" if at else "failed"), at
    except (KommoError, CalcomError) as error:
        # A rejected request fails the same way again: a person must look (STYLE §5).
        words = f"{error}. {FIX.get(action.recipient, '')}"
        _release(action, worker, state=RecipientAction.State.FAILED, last_error=redact(words))
        return "failed", None
    except Exception as error:  # unexpected: kept for the desk, retried with backoff
        logger.exception("retention.recipient.error", extra={"action_id": action.pk})
        at = _retry(action, worker, error)
        return ("retrying" if at else "failed"), None
    if fault_hook is not None:
        fault_hook(action)
    settled = settle_recipient_action(action_id=action.pk, receipt=receipt)
    return ("done" if settled else "settled before"), None


def execute_due_actions(*, worker: str | None = None, limit: int = MAX_PER_RUN) -> Counter:
    """Carry out due actions until none is due or `limit` were taken; counts by outcome.

    A recipient that asks us to wait (429, 5xx, a refused token) is left alone for the rest
    of the run: its other claimed actions are given back, due when it may be asked again.
    """
    worker = worker or worker_name()
    outcomes: Counter = Counter()
    resting: dict[str, datetime] = {}
    taken = 0
    while taken < limit:
        batch = claim_actions(worker=worker, limit=min(CLAIM, limit - taken))
        if not batch:
            break
        taken += len(batch)
        for action in batch:
            if action.recipient in resting:
                _release(action, worker, next_attempt_at=resting[action.recipient])
                outcomes["deferred"] += 1
                continue
            outcome, rest_until = _execute(action, worker)
            outcomes[outcome] += 1
            if rest_until is not None and outcome in ("retrying", "paused"):
                resting[action.recipient] = rest_until
            logger.info(
                "retention.recipient.executed",
                extra={"action_id": action.pk, "recipient": action.recipient, "outcome": outcome},
            )
    return outcomes
