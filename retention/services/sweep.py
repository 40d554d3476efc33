"""The sweep (policy §5: "upon expiration of retention periods, data is deleted or anonymized").

Small batches, each its own short transaction with the run's progress, so the form and
the collector never wait long on a write lock and a crash loses at most one uncommitted
batch: the next run resumes the unfinished run at its first unfinished step, with the same
`as_of`, and a row is never expired twice (it is no longer due once done).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from audit.errors import AuditError
from audit.services import record_event

from ..models import RetentionRun
from ..plans import Step, cutoff, plan, skip_notes
from . import actions

logger = logging.getLogger(__name__)

BATCH = 500
# Share of wall time the sweep may hold: after each batch it rests for as long as the batch
# took (duty 0.5), so the collector and the form find the database free half the time
# (bench/retention_sweep.py measures the collector's p99 during a sweep).
DUTY = 0.5
# progress(step, done_in_step, total_in_step): the command draws a bar with it.
Progress = Callable[[Step, int, int], None]


def _add(run: RetentionRun, step: Step, counts: dict[str, int]) -> None:
    bucket = run.counts.setdefault(step.rule.id, {}).setdefault(step.model._meta.label_lower, {})
    for name, value in counts.items():
        bucket[name] = bucket.get(name, 0) + value


def _rest(since: float, duty: float) -> None:
    if duty < 1:
        time.sleep((time.monotonic() - since) * (1 / duty - 1))


def _run_step(
    run: RetentionRun, step: Step, *, batch: int, duty: float, progress: Progress | None
) -> None:
    now = run.as_of
    notes = skip_notes(step, now)
    if notes:
        run.skipped.setdefault(step.rule.id, []).extend(notes)
    if step.prune is not None:
        _run_owner_prune(run, step, batch=batch, duty=duty, progress=progress)
        return
    actions.prepare(step, now=now)
    total = step.actionable(now).count()
    done = 0
    while True:
        began = time.monotonic()
        with transaction.atomic():
            # No ORDER BY: the database walks the clock's index and stops after `batch`
            # rows; sorting 10M expired events by id for every batch would not.
            ids = list(step.actionable(now).order_by().values_list("pk", flat=True)[:batch])
            if not ids:
                break
            _add(run, step, actions.apply(step, ids=ids, run=run))
            run.save(update_fields=["counts"])
        done += len(ids)
        if progress:
            progress(step, done, total)
        _rest(began, duty)


def _run_owner_prune(
    run: RetentionRun, step: Step, *, batch: int, duty: float, progress: Progress | None
) -> None:
    """A table its owner prunes (the audit chain): its service, batch by batch, same rests."""
    before = cutoff(step.rule, run.as_of)
    total = step.due(run.as_of).count()
    done = 0
    while True:
        began = time.monotonic()
        try:
            pruned = step.prune(before=before, batch=batch, reason=_reason(step))
        except AuditError as error:
            # The chain does not verify: pruning would erase the evidence. Said in the run
            # record (and on the desk) until `manage.py audit verify` is green again.
            run.skipped.setdefault(step.rule.id, []).append(f"not pruned: {error}")
            logger.error("retention.audit_prune_refused", extra={"run_id": run.pk})
            return
        if not pruned:
            break
        _add(run, step, {"deleted": pruned})
        run.save(update_fields=["counts"])
        done += pruned
        if progress:
            progress(step, done, total)
        _rest(began, duty)


def _reason(step: Step) -> str:
    return f"policy §5, Art. 5(2): {step.rule.title}, {step.rule.description}"


def _open_run(*, now: datetime, trigger: str) -> RetentionRun:
    """The unfinished run, if a crash left one (resume it), else a new one."""
    unfinished = RetentionRun.objects.filter(state=RetentionRun.State.RUNNING, dry_run=False)
    run = unfinished.order_by("started_at").first()
    if run is not None:
        logger.info("retention.run.resumed", extra={"run_id": run.pk})
        return run
    return RetentionRun.objects.create(as_of=now, trigger=trigger)


def sweep(
    *,
    trigger: str = "command",
    batch: int = BATCH,
    duty: float = DUTY,
    progress: Progress | None = None,
    crash_after: Callable[[Step], None] | None = None,
) -> RetentionRun:
    """Apply every register rule once; resumes an unfinished run first.

    `crash_after` is a test seam (called after each step commits) to prove resumption.
    """
    started = time.monotonic()
    run = _open_run(now=timezone.now(), trigger=trigger)
    for step in plan(run.as_of):
        if step.key in run.done_steps:
            continue
        _run_step(run, step, batch=batch, duty=duty, progress=progress)
        run.done_steps.append(step.key)
        run.save(update_fields=["done_steps", "skipped", "counts"])
        if crash_after:
            crash_after(step)
    run.state = RetentionRun.State.DONE
    run.finished_at = timezone.now()
    run.duration_ms += int((time.monotonic() - started) * 1000)
    with transaction.atomic():
        run.save()
        _audit(run)
    logger.info("retention.run.done", extra={"run_id": run.pk, "ms": run.duration_ms})
    return run


def _audit(run: RetentionRun) -> None:
    record_event(
        actor="system",
        action="retention.dry_run" if run.dry_run else "retention.run",
        obj=run,
        reason="policy §5: data deleted or anonymised when its retention period ends",
        data={
            "as_of": run.as_of.isoformat(),
            "counts": run.counts,
            "skipped": run.skipped,
            "duration_ms": run.duration_ms,
            "trigger": run.trigger,
        },
    )


def record_dry_run(*, trigger: str = "command") -> tuple[RetentionRun, list]:
    """Preview every rule and keep the preview in the run history (and the audit log)."""
    from ..selectors import retention_preview

    started = time.monotonic()
    now = timezone.now()
    previews = retention_preview(now=now)
    counts = {
        rule.rule_id: {t.table: {"would_go": t.would_go} for t in rule.tables if t.would_go}
        for rule in previews
        if rule.would_go
    }
    skipped = {rule.rule_id: rule.skipped for rule in previews if rule.skipped}
    with transaction.atomic():
        run = RetentionRun.objects.create(
            as_of=now,
            dry_run=True,
            trigger=trigger,
            state=RetentionRun.State.DONE,
            finished_at=timezone.now(),
            counts=counts,
            skipped=skipped,
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        _audit(run)
    return run, previews
