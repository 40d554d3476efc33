"""Claims on outbox rows: a worker holds its rows under a lease, and gives them back.

No other worker takes a claimed row while the lease lasts; a crashed worker's rows come
back by themselves when it runs out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from integrations.kommo.payloads import MAX_LEADS_PER_REQUEST
from leadkeeper.logging import redact

from .. import pacing
from ..models import OutboxMessage

logger = logging.getLogger("crm.delivery")

LEASE = timedelta(seconds=120)  # far above the client's timeout: a live worker keeps its rows


def claim_due_messages(
    *, worker: str, limit: int = MAX_LEADS_PER_REQUEST, kind: str = OutboxMessage.Kind.CRM_LEAD
) -> list[OutboxMessage]:
    """Take up to `limit` due rows, oldest first, for `worker` alone until the lease ends."""
    now = timezone.now()
    with transaction.atomic():
        due = OutboxMessage.objects.due(kind=kind)
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: rows another worker is claiming right now are skipped, not waited on.
            due = due.select_for_update(skip_locked=True)
        rows = list(due[:limit])
        if rows:
            OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                claimed_by=worker, claimed_until=now + LEASE
            )
    for row in rows:
        row.claimed_by, row.claimed_until = worker, now + LEASE
    return rows


def mine(worker: str, ids: Iterable[int]):
    return OutboxMessage.objects.filter(
        pk__in=list(ids), claimed_by=worker, state=OutboxMessage.State.PENDING
    )


def release(worker: str, ids: Iterable[int], **changes: object) -> int:
    return mine(worker, ids).update(claimed_by="", claimed_until=None, **changes)


def reschedule(
    worker: str,
    rows: list[OutboxMessage],
    *,
    at: datetime,
    error: str,
    in_doubt: bool | None,
    attempted: bool = True,
) -> None:
    """Give rows back for a later try; in_doubt=False when Kommo certainly created nothing."""
    changes: dict[str, object] = {"next_attempt_at": at, "last_error": redact(error)[:2000]}
    if attempted:
        changes["attempts"] = F("attempts") + 1
    if in_doubt is False:
        changes["in_doubt_since"] = None
    release(worker, [r.pk for r in rows], **changes)


def mark_dead(worker: str, row: OutboxMessage, reason: str) -> None:
    release(
        worker,
        [row.pk],
        state=OutboxMessage.State.DEAD,
        last_error=redact(reason)[:2000],
        in_doubt_since=None,
    )
    logger.warning("crm.delivery.dead", extra={"message_id": row.pk, "lead_id": row.ref})


def reserve_and_mark_in_doubt(
    worker: str, rows: list[OutboxMessage]
) -> tuple[float | None, list[OutboxMessage]]:
    """Reserve a request slot and mark the rows in doubt, committed before the request.

    If we die after Kommo accepted, the next try looks for the leads first. One write
    transaction for both, so workers on SQLite queue for the write lock once per request.
    Returns the wait (None: blocked or paused, nothing marked) and the rows still ours: a
    row whose lease ran out while this batch was busy (slow requests, one-by-one resends)
    may belong to another worker now, and sending it too would create the lead twice. The
    rows kept get a fresh lease.
    """
    with transaction.atomic():
        wait = pacing.reserve_request_slot()
        if wait is None:
            return None, rows
        slot = time.monotonic() + wait
        now = timezone.now()
        ours = set(
            mine(worker, [row.pk for row in rows]).select_for_update().values_list("pk", flat=True)
        )
        OutboxMessage.objects.filter(pk__in=ours).update(
            in_doubt_since=now, claimed_until=now + LEASE
        )
    rows = [row for row in rows if row.pk in ours]
    for row in rows:
        row.in_doubt_since, row.claimed_until = now, now + LEASE
    # The slot is a point in time: the commit's own duration is not added to the wait, so
    # requests stay 1/rate apart however long the commit took.
    return max(0.0, slot - time.monotonic()), rows
