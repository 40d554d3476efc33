import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead

# An event that has waited this long for its seal means the scheduler is not running.
SEAL_OVERDUE = timedelta(minutes=10)


def _digest(event: AuditEvent, *, seq: int, prev_hash: str) -> str:
    body = json.dumps(
        [
            prev_hash,
            seq,
            event.pk,
            event.at.isoformat(),
            event.actor,
            event.action,
            event.subject_id,
            event.object_type,
            event.object_id,
            event.reason,
            event.data,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record_event(
    *,
    actor: str,
    action: str,
    subject_id: int | None = None,
    obj: object | None = None,
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one event (inside the caller's transaction, if any); the sealer chains it."""
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        subject_id=subject_id,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        reason=reason,
        data=data or {},
    )


def _locked_head() -> AuditHead:
    """The chain's head row, locked until the caller's transaction ends.

    A migration creates it; a flushed database (transactional tests, a restored dump
    without it) gets it back here, empty, which `verify_chain` then checks against.
    """
    try:
        return AuditHead.objects.select_for_update().get(id=1)
    except AuditHead.DoesNotExist:
        try:
            with transaction.atomic():
                AuditHead.objects.create(id=1)
        except IntegrityError:
            pass  # created concurrently
        return AuditHead.objects.select_for_update().get(id=1)


def seal_events(*, batch: int = 1000) -> int:
    """Chain every committed, unsealed event, oldest first; returns how many were sealed."""
    sealed = 0
    while True:
        with transaction.atomic():
            head = _locked_head()
            events = list(AuditEvent.objects.filter(seq__isnull=True).order_by("id")[:batch])
            if not events:
                return sealed
            now = timezone.now()
            seq, prev_hash = head.count, head.last_hash
            for event in events:
                seq += 1
                event.seq, event.prev_hash = seq, prev_hash
                event.hash = prev_hash = _digest(event, seq=seq, prev_hash=prev_hash)
                event.sealed_at = now
            AuditEvent.objects.bulk_update(
                events, ["seq", "prev_hash", "hash", "sealed_at"], batch_size=500
            )
            AuditHead.objects.filter(id=1).update(last_hash=prev_hash, count=seq)
            sealed += len(events)
        if len(events) < batch:
            return sealed


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: int | None
    problem: str
    unsealed: int = 0
    overdue: int = 0

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_chain(*, batch: int = 2000) -> ChainReport:
    """Recompute every sealed hash in order; report the first broken event, and the events
    still waiting for a seal (overdue ones mean the scheduler is not running)."""
    prev_hash = "0" * 64
    expected = 1
    while True:
        events = list(AuditEvent.objects.filter(seq__gte=expected).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            checked = expected - 1
            if event.seq != expected:
                return ChainReport(checked, expected, f"event {expected} is missing")
            if event.prev_hash != prev_hash:
                return ChainReport(
                    checked, event.seq, f"event {event.seq} does not follow its predecessor"
                )
            if _digest(event, seq=event.seq, prev_hash=prev_hash) != event.hash:
                return ChainReport(checked, event.seq, f"event {event.seq} was altered")
            prev_hash = event.hash
            expected += 1
    checked = expected - 1
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.count != checked or head.last_hash != prev_hash):
        return ChainReport(
            checked,
            checked + 1,
            f"the chain ends at event {checked} but {head.count} events were sealed",
        )
    unsealed = AuditEvent.objects.filter(seq__isnull=True)
    overdue = unsealed.filter(at__lt=timezone.now() - SEAL_OVERDUE).count()
    return ChainReport(checked, None, "", unsealed=unsealed.count(), overdue=overdue)
