"""Enqueueing background work together with the data it is about."""

from functools import partial

from django.db import transaction
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend


def enqueue_with_transaction(task: object, *args: object) -> None:
    """Enqueue `task(*args)` so that it exists exactly when the caller's transaction commits.

    With django-tasks-db the task row lives in our own database, so inserting it inside the
    transaction is the outbox pattern at its strongest: it commits or rolls back with the
    data, and a worker cannot see it before. Any other backend is enqueued on commit.
    """
    backend = task_backends[task.backend]
    if isinstance(backend, DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(partial(task.enqueue, *args))
