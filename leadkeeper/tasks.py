"""The one way to defer work: enqueue a task together with the data it is about.

Every service that causes background work calls `enqueue_on_commit()`; nothing else calls
`transaction.on_commit` (docs/architecture.md), so a reader finds every deferred side
effect with one grep.
"""

from functools import partial

from django.db import transaction
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend

from .ratelimit import prune_counters


def enqueue_on_commit(task: object, *args: object) -> None:
    """Enqueue `task(*args)` so that it exists exactly when the caller's transaction commits.

    With django-tasks-db the task row lives in our own database, so inserting it inside the
    transaction is the outbox pattern at its strongest: it commits or rolls back with the
    data, and a worker cannot see it before. Any other backend is enqueued on commit.
    Outside a transaction (autocommit) both enqueue at once.
    """
    backend = task_backends[task.backend]
    if isinstance(backend, DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args))


@task()
def prune_rate_counters() -> int:
    """Drop rate-limit windows older than a day: without it the counter table only grows."""
    return prune_counters()
