"""Tasks are thin: load by id, call a service (STYLE §4)."""

from django_tasks import task


@task()
def run_step(step_id: int) -> str:
    from .services.runner import run_step as run

    return run(step_id=step_id)


@task()
def send_request_mail(request_id: int, kind: str) -> str:
    from .mail import send_request_mail as send

    return send(request_id=request_id, kind=kind)


@task()
def sweep_steps() -> int:
    """Re-enqueue steps a dead worker left, or whose task was lost."""
    from .services.runner import sweep_stuck_steps

    return sweep_stuck_steps()


@task()
def send_digest() -> str:
    from .mail import send_digest as send

    return send()
