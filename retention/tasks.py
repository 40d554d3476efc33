"""Periodic work of the retention app: thin wrappers around services (STYLE §4)."""

from django_tasks import task

from .services.sweep import sweep


@task()
def sweep_expired() -> int:
    """The daily sweep; returns the run's id (its record is on /desk/retention/)."""
    return sweep(trigger="schedule").pk


@task()
def execute_recipient_actions() -> str:
    """Carry out what expiry left for Kommo and Cal.com (woken each minute while any is due)."""
    from .services.executor import execute_due_actions

    outcomes = execute_due_actions()
    return ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items())) or "none due"
