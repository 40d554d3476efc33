import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead


def _digest(
    *,
    prev_hash: str,
    seq: int,
    at: datetime,
    actor: str,
    action: str,
    subject_id: int | None,
    object_type: str,
    object_id: str,
    reason: str,
    data: dict,
) -> str:
    body = json.dumps(
        [
            prev_hash,
            seq,
            at.isoformat(),
            actor,
            action,
            subject_id,
            object_type,
            object_id,
            reason,
            data,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


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


def record_event(
    *,
    actor: str,
    action: str,
    subject_id: int | None = None,
    obj: object | None = None,
    reason: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Append one event to the chain (inside the caller's transaction, if any)."""
    data = data or {}
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""
    with transaction.atomic():
        head = _locked_head()
        seq = head.count + 1
        at = timezone.now()
        digest = _digest(
            prev_hash=head.last_hash,
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject_id=subject_id,
            object_type=object_type,
            object_id=object_id,
            reason=reason,
            data=data,
        )
        event = AuditEvent.objects.create(
            seq=seq,
            at=at,
            actor=actor,
            action=action,
            subject_id=subject_id,
            object_type=object_type,
            object_id=object_id,
            reason=reason,
            data=data,
            prev_hash=head.last_hash,
            hash=digest,
        )
        AuditHead.objects.filter(id=1).update(last_hash=digest, count=seq)
    return event


@dataclass(frozen=True)
class ChainReport:
    checked: int
    first_break: int | None
    problem: str

    @property
    def ok(self) -> bool:
        return self.first_break is None


def verify_chain(*, batch: int = 2000) -> ChainReport:
    """Recompute every hash in order; report the first event whose chain is broken."""
    prev_hash = "0" * 64
    expected_seq = 1
    checked = 0
    last_seq = 0
    while True:
        events = list(AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            if event.seq != expected_seq:
                return ChainReport(checked, event.seq, f"event {expected_seq} is missing")
            if event.prev_hash != prev_hash:
                return ChainReport(
                    checked, event.seq, f"event {event.seq} does not follow its predecessor"
                )
            digest = _digest(
                prev_hash=event.prev_hash,
                seq=event.seq,
                at=event.at,
                actor=event.actor,
                action=event.action,
                subject_id=event.subject_id,
                object_type=event.object_type,
                object_id=event.object_id,
                reason=event.reason,
                data=event.data,
            )
            if digest != event.hash:
                return ChainReport(checked, event.seq, f"event {event.seq} was altered")
            prev_hash = event.hash
            expected_seq += 1
            checked += 1
            last_seq = event.seq
    head = AuditHead.objects.filter(id=1).first()
    if head and head.count != checked:
        return ChainReport(
            checked,
            checked + 1,
            f"the chain ends at {checked} but {head.count} events were written",
        )
    return ChainReport(checked, None, "")
