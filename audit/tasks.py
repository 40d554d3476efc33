from django_tasks import task

from .services import seal_events


@task()
def seal_audit_events() -> int:
    return seal_events()
