"""Periodic work of the analytics app: thin wrappers around services (STYLE §4)."""

from django_tasks import task

from .salts import destroy_old_salts
from .services import attribution
from .services.rollups import rebuild_recent


@task()
def rotate_salts() -> int:
    return destroy_old_salts()


@task()
def rollup_recent_days() -> int:
    return len(rebuild_recent(days=2))


@task()
def attribute_new_leads() -> int:
    """Record the first and last touch of leads not attributed yet (a periodic batch)."""
    return attribution.attribute_pending_leads()
