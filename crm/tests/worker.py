"""The worker, in-process: what the scheduler and `db_worker` do with crm's tasks.

The scheduler wakes `deliver_due_outbox` each second while a row is due; it delivers due
rows batch by batch. Other tasks (a staff retry) are enqueued; the worker runs them. Tests use the dummy task backend, so this runs the
tasks it collected, in order, instead of a worker process; nothing else differs. Between
rounds it waits (on `sleep`, a virtual clock in most tests) until a block ends or the next
row falls due, as the next sweep would.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.utils import timezone
from django_tasks import default_task_backend
from django_tasks.base import TaskResultStatus

from crm import pacing
from crm.delivery import deliver_due
from crm.models import OutboxMessage
from crm.selectors import kommo_configured


def _run_enqueued() -> list[str]:
    backend = default_task_backend
    ready = [r for r in backend.results if r.status == TaskResultStatus.READY]
    backend.clear()
    return [str(r.task.call(*r.args, **r.kwargs)) for r in ready]


def _claimed_some(output: str) -> bool:
    return output.startswith("claimed ") and not output.startswith("claimed 0,")


def _next_wait(poll_interval: float) -> float | None:
    """Seconds until something may be delivered; None when nothing ever will without staff."""
    until = pacing.blocked_until()
    if until is not None:
        return max(0.05, (until - timezone.now()).total_seconds())
    if pacing.delivery_paused() or not kommo_configured():
        return None
    next_due = (
        OutboxMessage.objects.filter(state=OutboxMessage.State.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    if next_due is None:
        return None
    return min(poll_interval, max(0.01, (next_due - timezone.now()).total_seconds()))


def run_worker(
    *,
    sleep: Callable[[float], None] = time.sleep,
    max_seconds: float | None = None,
    poll_interval: float = 1.0,
) -> list[str]:
    """Sweep and run crm's tasks until no row is pending (or delivery is paused)."""
    outputs: list[str] = []
    started = time.monotonic()
    real_sleep = pacing.sleep
    pacing.sleep = sleep  # the tasks' pacing waits, on the test's clock
    try:
        while max_seconds is None or time.monotonic() - started < max_seconds:
            pacing.resume_delivery_if_due()
            this_round = deliver_due() + _run_enqueued()
            outputs += this_round
            if any(_claimed_some(out) for out in this_round):
                continue
            wait = _next_wait(poll_interval)
            if wait is None:
                break
            sleep(wait)
    finally:
        pacing.sleep = real_sleep
    return outputs
