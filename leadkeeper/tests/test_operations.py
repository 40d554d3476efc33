from datetime import timedelta

import pytest
import time_machine
from django.db import DatabaseError
from django.utils import timezone

from audit.tests.factories import give_read_reason
from leadkeeper import ratelimit, scheduling
from leadkeeper.models import RateLimitCounter, SchedulerLease

pytestmark = pytest.mark.django_db


def test_healthz_is_200_with_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_healthz_is_503_without_the_database(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("leadkeeper.health.connection.cursor", broken_cursor)
    assert client.get("/healthz").status_code == 503


def test_only_one_scheduler_holds_the_lease():
    assert scheduling.acquire_lease(holder="a")
    assert not scheduling.acquire_lease(holder="b")
    assert scheduling.acquire_lease(holder="a")  # renewal


def test_a_dead_schedulers_lease_is_taken_over():
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert scheduling.acquire_lease(holder="a")
    with time_machine.travel(start + timedelta(seconds=scheduling.LEASE_SECONDS + 1), tick=False):
        assert scheduling.acquire_lease(holder="b")
    assert SchedulerLease.objects.get().holder == "b"


def test_periodic_jobs_are_discovered_from_apps():
    names = {job.name for job in scheduling.discover_jobs()}
    assert "crm.deliver_outbox" in names


def test_only_the_leader_enqueues():
    from django_tasks import default_task_backend

    default_task_backend.clear()
    job = scheduling.discover_jobs()[0]
    assert scheduling.enqueue_if_leader(job, holder="a")
    assert not scheduling.enqueue_if_leader(job, holder="b")
    assert len(default_task_backend.results) == 1


@pytest.mark.parametrize(
    ("text", "limit", "seconds"), [("10/m", 10, 60), ("100/h", 100, 3600), ("5/10s", 5, 10)]
)
def test_rate_limit_parses(text, limit, seconds):
    assert ratelimit.Rate.parse(text) == ratelimit.Rate(limit, seconds)


@pytest.mark.parametrize("text", ["ten/m", "10", "10/x", ""])
def test_a_malformed_rate_limit_names_itself(text):
    with pytest.raises(ValueError, match="rate limit"):
        ratelimit.Rate.parse(text)


def test_the_rate_window_resets():
    rate = ratelimit.Rate(2, 60)
    start = timezone.now().replace(second=0, microsecond=0)
    with time_machine.travel(start, tick=False):
        assert [ratelimit.hit(scope="t", client="1.2.3.4", rate=rate) for _ in range(3)] == [
            True,
            True,
            False,
        ]
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        assert ratelimit.hit(scope="t", client="1.2.3.4", rate=rate)


def test_staff_groups_exist_and_marketing_sees_no_personal_data(client, django_user_model):
    from django.contrib.auth.models import Group

    from leadkeeper.roles import sync_role_permissions

    sync_role_permissions()
    assert set(Group.objects.values_list("name", flat=True)) >= {"sales", "marketing", "dpo"}
    marketer = django_user_model.objects.create_user("m", password="pw-12345678", is_staff=True)
    marketer.groups.add(Group.objects.get(name="marketing"))
    client.force_login(marketer)
    assert client.get("/admin/capture/lead/").status_code == 403
    seller = django_user_model.objects.create_user("s", password="pw-12345678", is_staff=True)
    seller.groups.add(Group.objects.get(name="sales"))
    client.force_login(seller)
    give_read_reason(client)
    assert client.get("/admin/capture/lead/").status_code == 200


def test_the_scheduler_prunes_rate_windows_older_than_a_day():
    rate = ratelimit.Rate(5, 60)
    start = timezone.now()
    with time_machine.travel(start - timedelta(days=2), tick=False):
        ratelimit.hit(scope="t", client="1.2.3.4", rate=rate)
    with time_machine.travel(start, tick=False):
        ratelimit.hit(scope="t", client="1.2.3.4", rate=rate)
        (job,) = [
            j for j in scheduling.discover_jobs() if j.name == "leadkeeper.prune_rate_counters"
        ]
        assert job.task.call() == 1
    (kept,) = RateLimitCounter.objects.all()
    assert kept.window_start > start - timedelta(minutes=2)
