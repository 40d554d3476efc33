"""Periodic work of the retention app: thin wrappers around services (STYLE §4)."""

from django_tasks import task

from .services.sweep import sweep


@task()
def sweep_expired() -> int:
    """The daily sweep; returns the run's id (its record is on /desk/retention/)."""
    return sweep(trigger="schedule").pk
