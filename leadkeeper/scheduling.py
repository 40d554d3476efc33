"""Periodic jobs: each app lists its own in `<app>/schedule.py` as JOBS.

django-tasks has no cron, so one scheduler process (APScheduler) enqueues these tasks on
their intervals. It holds a database lease while it does: start as many schedulers as you
like (one per machine is fine); only the lease holder enqueues, and another takes over
within LEASE_SECONDS when it dies.
"""

import importlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from .models import SchedulerLease

logger = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
LEASE_SECONDS = 30


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: object  # a django-tasks Task; enqueued with no arguments
    every: timedelta
    # A cheap read: when given, the task is enqueued only while it has work, so a job that
    # runs every second writes nothing on an idle site.
    when: Callable[[], bool] | None = None


def discover_jobs() -> list[PeriodicJob]:
    jobs: list[PeriodicJob] = []
    for config in apps.get_app_configs():
        try:
            module = importlib.import_module(f"{config.name}.schedule")
        except ModuleNotFoundError as error:
            if error.name != f"{config.name}.schedule":
                raise
            continue
        jobs.extend(module.JOBS)
    return jobs


def holder_id() -> str:
    """This process, as leases and claims name it (host:pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_name() -> str:
    """This thread of this process: a worker's claim on outbox rows (host:pid:thread)."""
    return f"{holder_id()}:{threading.get_ident()}"


def acquire_lease(*, holder: str, name: str = LEASE_NAME, seconds: int = LEASE_SECONDS) -> bool:
    """Take or renew the lease; True when `holder` has it until now + seconds."""
    now = timezone.now()
    expires = now + timedelta(seconds=seconds)
    with transaction.atomic():
        taken = SchedulerLease.objects.filter(
            Q(holder=holder) | Q(expires_at__lt=now), name=name
        ).update(holder=holder, expires_at=expires)
        if taken:
            return True
        if SchedulerLease.objects.filter(name=name).exists():
            return False
        try:
            with transaction.atomic():
                SchedulerLease.objects.create(name=name, holder=holder, expires_at=expires)
        except IntegrityError:
            return False
    return True


def release_lease(*, holder: str, name: str = LEASE_NAME) -> None:
    SchedulerLease.objects.filter(name=name, holder=holder).delete()


def _already_waiting(task: object) -> bool:
    """Whether a run of `task` is queued and not started (django-tasks-db only).

    A job woken each second while its worker is down would otherwise pile up one task a
    second; one waiting run does the work of all of them.
    """
    from django_tasks import task_backends
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(task_backends[task.backend], DatabaseBackend):
        return False
    return DBTaskResult.objects.ready().filter(task_path=task.module_path).exists()


def enqueue_if_leader(job: PeriodicJob, *, holder: str) -> bool:
    if job.when is not None and (not job.when() or _already_waiting(job.task)):
        return False
    if not acquire_lease(holder=holder):
        return False
    job.task.enqueue()
    job_id = job.name
    logger.debug("scheduler.enqueued", extra={"job": job_id})
    return True
