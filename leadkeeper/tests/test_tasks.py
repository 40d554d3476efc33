import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from leadkeeper.tasks import enqueue_on_commit, prune_rate_counters

pytestmark = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_a_database_task_commits_with_the_data(settings):
    settings.TASKS = DB_TASKS
    with transaction.atomic():
        enqueue_on_commit(prune_rate_counters)
        assert DBTaskResult.objects.count() == 1  # inside the transaction, not after it
    assert DBTaskResult.objects.count() == 1


def test_a_database_task_rolls_back_with_the_data(settings):
    settings.TASKS = DB_TASKS

    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_on_commit(prune_rate_counters)
        raise RuntimeError("the lead could not be stored")
    assert DBTaskResult.objects.count() == 0


@pytest.mark.django_db
def test_another_backend_is_enqueued_on_commit(django_capture_on_commit_callbacks):
    from django_tasks import default_task_backend

    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        enqueue_on_commit(prune_rate_counters)
        assert default_task_backend.results == []
    assert len(callbacks) == 1 and len(default_task_backend.results) == 1
