"""Faults: workers killed mid-delivery, Kommo down for an hour, workers racing on PostgreSQL."""

import random
import threading
from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from capture.models import Lead
from crm import pacing
from crm.delivery import LEASE, SimulatedCrash, claims, deliver_batch, failures
from crm.models import OutboxMessage

from .factories import make_leads
from .worker import run_worker


def _all_delivered() -> bool:
    return not OutboxMessage.objects.filter(kind="crm.lead").exclude(state="delivered").exists()


def _assert_each_lead_once_in_kommo(kommo, leads: list[Lead]) -> None:
    assert kommo.markers() == Counter({f"lk-{lead.pk}": 1 for lead in leads})
    for lead in Lead.objects.filter(pk__in=[lead.pk for lead in leads]):
        assert lead.kommo_lead_id == kommo.lead_by_marker(f"lk-{lead.pk}")["id"]


@pytest.mark.django_db
def test_workers_killed_at_random_points_still_deliver_each_lead_exactly_once(kommo):
    kommo.rate_limit = None  # pacing waits are virtual here; the limiter counts real time
    leads = make_leads(300)
    rng = random.Random(20261125)
    kills: Counter[str] = Counter()

    def kill_sometimes(point: str) -> None:
        if rng.random() < 0.35:
            kills[point] += 1
            raise SimulatedCrash(point)

    failures.fault_hook = kill_sometimes
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for round_ in range(300):
            if _all_delivered():
                break
            try:
                deliver_batch(worker=f"worker-{round_}", sleep=clock.shift)
            except SimulatedCrash:
                clock.shift(LEASE + timedelta(seconds=1))  # the dead worker's lease runs out
            clock.shift(3)
    failures.fault_hook = None

    assert _all_delivered()
    assert kills["before_call"] and kills["after_call"] and kills["after_commit"]
    _assert_each_lead_once_in_kommo(kommo, leads)


@pytest.mark.django_db
def test_kommo_down_for_an_hour_then_back_delivers_everything_oldest_first(kommo):
    kommo.rate_limit = None
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        leads = []
        for _ in range(6):  # leads keep arriving during the outage
            leads += make_leads(20, start=len(leads))
            clock.shift(60)
        kommo.down = True
        outage_end = start + timedelta(hours=1)
        while timezone.now() < outage_end:
            deliver_batch(sleep=clock.shift)
            blocked = pacing.blocked_until()
            clock.shift(max(1.0, (blocked - timezone.now()).total_seconds()) if blocked else 1.0)
        calls_while_down = len(kommo.received)
        kommo.down = False
        run_worker(sleep=clock.shift)

    assert _all_delivered()
    _assert_each_lead_once_in_kommo(kommo, leads)
    # Backoff, not hammering: a handful of probes in an hour.
    assert 5 <= calls_while_down <= 30
    created_order = [
        int(lead["request_id"]) for lead in sorted(kommo.leads.values(), key=lambda x: x["id"])
    ]
    assert created_order == [lead.pk for lead in leads]  # oldest first


@pytest.mark.django_db(transaction=True)
def test_two_workers_on_postgresql_never_deliver_the_same_row(kommo, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL: the race is between row locks (FOR UPDATE SKIP LOCKED); "
            "SQLite serialises all writers, so there is nothing to race"
        )
    leads = make_leads(400)
    claimed_by: dict[str, list[int]] = {}
    real_claim = claims.claim_due_messages

    def recording_claim(**kwargs):
        rows = real_claim(**kwargs)
        claimed_by.setdefault(kwargs["worker"], []).extend(r.pk for r in rows)
        return rows

    monkeypatch.setattr(claims, "claim_due_messages", recording_claim)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            run_worker(max_seconds=60)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert not errors
    assert _all_delivered()
    claimed = [pk for rows in claimed_by.values() for pk in rows]
    assert len(claimed) == len(set(claimed)) == 400  # no row was ever held by two workers
    assert len([w for w, rows in claimed_by.items() if rows]) >= 2  # they really raced
    _assert_each_lead_once_in_kommo(kommo, leads)
    assert kommo.rate_limited == 0
