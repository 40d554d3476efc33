import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Min
from django.utils import timezone

from leadkeeper.inserts import PreparedRow, prepare_row

from .errors import AuditChainBroken
from .models import AuditCheckpoint, AuditEvent, AuditHead

# An event that has waited this long for its seal means the scheduler is not running.
SEAL_OVERDUE = timedelta(minutes=10)
GENESIS = "0" * 64
PRUNED = "audit.pruned"  # the event that attests a checkpoint, sealed into the chain


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
    event = prepare_event(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        reason=reason,
    )
    return event.insert(
        subject_id=subject_id,
        object_id=str(obj.pk) if obj is not None else "",
        data=data or {},
    )


def prepare_event(
    *, actor: str, action: str, object_type: str = "", reason: str = ""
) -> PreparedRow[AuditEvent]:
    """An event built before the caller's transaction; `insert(subject_id=, object_id=,
    data=)` appends it inside. The lead path builds its event this way, so SQLite's writer
    lock is not held while it is built (issue 9)."""
    return prepare_row(
        AuditEvent(actor=actor, action=action, object_type=object_type, reason=reason),
        later=("subject_id", "object_id", "data"),
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
    pruned_through: int = 0  # the chain is verified from the event after this one

    @property
    def ok(self) -> bool:
        return self.first_break is None


def _start() -> tuple[int, str, AuditCheckpoint | None]:
    """Where verification starts: after the newest checkpoint, or at event 1."""
    checkpoint = AuditCheckpoint.objects.order_by("-seq").first()
    if checkpoint is None:
        return 0, GENESIS, None
    return checkpoint.seq, checkpoint.hash, checkpoint


def _link_problem(event: AuditEvent, *, expected: int, prev_hash: str) -> str:
    """Why `event` does not continue the chain at `expected` after `prev_hash` ("" if it does)."""
    if event.seq != expected:
        return f"event {expected} is missing"
    if event.prev_hash != prev_hash:
        return f"event {event.seq} does not follow its predecessor"
    if _digest(event, seq=event.seq, prev_hash=prev_hash) != event.hash:
        return f"event {event.seq} was altered"
    return ""


def _unattested(checkpoint: AuditCheckpoint) -> str:
    """A checkpoint counts only with the `audit.pruned` event written in its transaction."""
    attest = AuditEvent.objects.filter(
        action=PRUNED, object_type=checkpoint._meta.label_lower, object_id=str(checkpoint.pk)
    ).first()
    where = f"the chain starts after event {checkpoint.seq}"
    if attest is None:
        return f"{where}, but no {PRUNED} event in the chain attests that prune"
    if (
        attest.data.get("through_seq") != checkpoint.seq
        or attest.data.get("hash") != checkpoint.hash
    ):
        return f"{where}, but its checkpoint differs from the {PRUNED} event {attest.seq}"
    return ""


def verify_chain(*, batch: int = 2000) -> ChainReport:
    """Recompute every sealed hash in order from the newest checkpoint; report the first
    broken event, and the events still waiting for a seal (overdue ones mean the scheduler
    is not running)."""
    base, prev_hash, checkpoint = _start()
    expected = base + 1
    while True:
        events = list(AuditEvent.objects.filter(seq__gte=expected).order_by("seq")[:batch])
        if not events:
            break
        for event in events:
            problem = _link_problem(event, expected=expected, prev_hash=prev_hash)
            if problem:
                return ChainReport(expected - 1 - base, expected, problem, pruned_through=base)
            prev_hash = event.hash
            expected += 1
    last = expected - 1
    checked = last - base
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.count != last or head.last_hash != prev_hash):
        return ChainReport(
            checked,
            last + 1,
            f"the chain ends at event {last} but {head.count} events were sealed",
            pruned_through=base,
        )
    problem = _unattested(checkpoint) if checkpoint else ""
    if problem:
        return ChainReport(checked, base, problem, pruned_through=base)
    unsealed = AuditEvent.objects.filter(seq__isnull=True)
    overdue = unsealed.filter(at__lt=timezone.now() - SEAL_OVERDUE).count()
    return ChainReport(
        checked, None, "", unsealed=unsealed.count(), overdue=overdue, pruned_through=base
    )


def _segment(*, base: int, through: int, prev_hash: str) -> list[AuditEvent]:
    """Events base+1..through, checked link by link: a prune never launders a tampered event."""
    events = list(AuditEvent.objects.filter(seq__gt=base, seq__lte=through).order_by("seq"))
    for expected, event in enumerate(events, start=base + 1):
        if problem := _link_problem(event, expected=expected, prev_hash=prev_hash):
            raise AuditChainBroken(f"audit events not pruned: {problem}; run `audit verify`")
        prev_hash = event.hash
    if len(events) != through - base:
        missing = base + len(events) + 1
        raise AuditChainBroken(f"audit events not pruned: event {missing} is missing")
    return events


def prune_events_before(*, before: datetime, batch: int = 5000, reason: str = "") -> int:
    """Delete one batch of sealed events older than `before` from the chain's start.

    Returns how many went (0: none left to prune). Only a prefix of the chain goes, up to
    the first event at or after `before`, so what stays is one unbroken chain; the new
    checkpoint and its `audit.pruned` attestation are written in the same transaction.
    Raises AuditChainBroken, pruning nothing, when the events to prune do not verify.
    The period is the caller's (the register's audit rule, applied by the retention sweep).
    """
    with transaction.atomic():
        head = _locked_head()  # one prune or seal at a time
        base, prev_hash, _ = _start()
        kept = AuditEvent.objects.filter(seq__gt=base, at__gte=before).aggregate(first=Min("seq"))
        end = head.count if kept["first"] is None else kept["first"] - 1
        through = min(base + batch, end)
        if through <= base:
            return 0
        events = _segment(base=base, through=through, prev_hash=prev_hash)
        last = events[-1]
        checkpoint = AuditCheckpoint.objects.create(
            seq=through, hash=last.hash, event_at=last.at, before=before, pruned=len(events)
        )
        AuditEvent.objects.filter(seq__gt=base, seq__lte=through).delete()
        record_event(
            actor="system",
            action=PRUNED,
            obj=checkpoint,
            reason=reason or "audit events past the register's audit period",
            data={
                "through_seq": through,
                "hash": last.hash,
                "pruned": len(events),
                "before": before.isoformat(),
            },
        )
    return len(events)
