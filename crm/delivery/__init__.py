"""Deliver outbox rows to Kommo: batched, paced, retried, and exactly once.

One call of `deliver_batch()` claims up to 50 due lead rows (no other worker can take them
while the lease lasts: claims), settles those that may not go (screening), looks up in Kommo
any row a previous attempt may have created (exactly once across crashes: reconciliation),
links returning people to their Kommo contact (contacts), then sends the rest in as few
requests as Kommo allows and records Kommo's ids on the leads in the same transaction that
marks the rows delivered (batch). Failures are sorted by type (failures).

The worker runs it from one job (due.deliver_due), woken by the scheduler each second while
a row is due: the outbox row is the queue, there is no task per lead.
"""

from .batch import Batch, BatchReport, deliver_batch
from .claims import LEASE, claim_due_messages
from .due import deliver_due
from .failures import SimulatedCrash, backoff_seconds

__all__ = [
    "LEASE",
    "Batch",
    "BatchReport",
    "SimulatedCrash",
    "backoff_seconds",
    "claim_due_messages",
    "deliver_batch",
    "deliver_due",
]
