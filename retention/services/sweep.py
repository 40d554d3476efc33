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

from audit.services import record_event

from ..models import RetentionRun
from ..plans import Step, plan, skip_notes
from . import actions

logger = logging.getLogger(__name__)

BATCH = 500
# progress(step, done_in_step, total_in_step): the command draws a bar with it.
Progress = Callable[[Step, int, int], None]


def _add(run: RetentionRun, step: Step, counts: dict[str, int]) -> None:
    bucket = run.counts.setdefault(step.rule.id, {}).setdefault(step.model._meta.label_lower, {})
    for name, value in counts.items():
        bucket[name] = bucket.get(name, 0) + value


def _run_step(run: RetentionRun, step: Step, *, batch: int, progress: Progress | None) -> None:
    now = run.as_of
    notes = skip_notes(step, now)
    if notes:
        run.skipped.setdefault(step.rule.id, []).extend(notes)
    if step.owner_prunes:
        return
    actions.prepare(step, now=now)
    total = step.actionable(now).count()
    done = 0
    while True:
        with transaction.atomic():
            ids = list(step.actionable(now).order_by("pk").values_list("pk", flat=True)[:batch])
            if not ids:
                break
            _add(run, step, actions.apply(step, ids=ids, run=run))
            run.save(update_fields=["counts"])
        done += len(ids)
        if progress:
            progress(step, done, total)


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
        _run_step(run, step, batch=batch, progress=progress)
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
        action="retention.run",
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
