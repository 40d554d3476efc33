"""Before anything is sent: rows whose lead may not (or need not) go to Kommo are settled."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from consent.selectors import leads_with_withdrawn_consent

from ..models import OutboxMessage
from .claims import mark_dead, release, reschedule

if TYPE_CHECKING:
    from .batch import Batch

RESTRICTED_RECHECK = timedelta(hours=1)


def _dead_reason(batch: Batch, row: OutboxMessage, withdrawn: set[int]) -> str:
    """Why this row's lead must never be sent; "" when nothing forbids it."""
    lead = batch.leads.get(row.ref)
    if lead is None:
        return f"lead {row.ref} no longer exists"
    if lead.pk in withdrawn:
        # The lead's only legal basis is the form consent (register: lead_management);
        # once withdrawn, it is not disclosed to Kommo (policy §4, GDPR Art. 7(3)).
        return f"lead {row.ref}: consent withdrawn before delivery"
    if lead.subject and lead.subject.erased_at:
        return f"lead {row.ref} was erased before delivery"
    return ""


def screen(batch: Batch, rows: list[OutboxMessage]) -> list[OutboxMessage]:
    """Rows that can be sent now; the others are settled here."""
    sendable = []
    withdrawn = set(leads_with_withdrawn_consent(lead_ids=list(batch.leads)))
    for row in rows:
        if reason := _dead_reason(batch, row, withdrawn):
            mark_dead(batch.worker, row, reason)
            batch.report.dead += 1
            continue
        lead = batch.leads[row.ref]
        if lead.subject and lead.subject.restricted_at:
            # Art. 18: stored but not otherwise processed while restricted.
            reschedule(
                batch.worker,
                [row],
                at=timezone.now() + RESTRICTED_RECHECK,
                error="processing restricted (GDPR Art. 18): waiting",
                in_doubt=None,
            )
            batch.report.retry += 1
        elif lead.kommo_lead_id:
            release(
                batch.worker,
                [row.pk],
                state=OutboxMessage.State.DELIVERED,
                delivered_at=timezone.now(),
                in_doubt_since=None,
            )
            batch.report.delivered += 1
        else:
            sendable.append(row)
    return sendable
