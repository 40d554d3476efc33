"""The daily retention sweep survives a worker SIGKILLed mid-sweep (issue 14, item 7).

The real db_worker runs `retention.tasks.sweep_expired` (what the scheduler enqueues each
day) over thousands of expired rows, many batches; it is killed at random points and the
next day's run resumes the unfinished one (leadkeeper/tests/worker_kills.py). Afterwards:
every expired row is gone exactly once (the runs' counts add up to what expired, no more),
nothing unexpired went, each expired Kommo lead left one RecipientAction, each finished run
one audit event, and the audit chain verifies (`manage.py audit verify`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from analytics.models import Event
from audit.models import AuditEvent
from capture.models import Lead
from crm.tests.factories import make_leads
from leadkeeper.tests.worker_kills import Scenario, Tally, publish, run_with_kills
from retention.models import RecipientAction, RetentionRun
from retention.tasks import sweep_expired
from subjects.models import Subject

EXPIRED_EVENTS = 6000  # 12 batches of retention.services.sweep.BATCH
FRESH_EVENTS = 200
EXPIRED_LEADS = 30
FRESH_LEADS = 5
KILLS = 4
BUDGET_SECONDS = 120


def _events(count: int, *, at, key: str) -> None:
    rows = [
        Event(
            ts=at,
            retention_from=at,
            type=Event.PAGEVIEW,
            visitor_key=f"{key}{n % 50}",
            path="/",
            source_class="direct",
            source="(direct)",
            medium="(none)",
            device_type="desktop",
            browser="Chrome",
            os="Windows",
            country="RU",
        )
        for n in range(count)
    ]
    Event.objects.bulk_create(rows, batch_size=500)


def _prepare(expected: dict[str, set[int]]) -> None:
    """Rows five years old (past every period of the register) and rows from yesterday."""
    long_ago, yesterday = timezone.now() - timedelta(days=5 * 366), timezone.now() - timedelta(1)
    _events(EXPIRED_EVENTS, at=long_ago, key="old")
    expected["events"] = set(Event.objects.values_list("pk", flat=True))
    _events(FRESH_EVENTS, at=yesterday, key="new")
    old = make_leads(EXPIRED_LEADS)
    for n, lead in enumerate(old):  # delivered to Kommo: expiry owes Kommo an anonymisation
        Lead.objects.filter(pk=lead.pk).update(
            kommo_lead_id=900000 + n, kommo_contact_id=800000 + n, retention_from=long_ago
        )
    Subject.objects.update(last_interaction_at=long_ago)
    make_leads(FRESH_LEADS, start=EXPIRED_LEADS)
    expected["leads"] = {lead.pk for lead in old}


def _sweeps():
    return RetentionRun.objects.filter(dry_run=False)


def _finished() -> bool:
    return (
        _sweeps().filter(state=RetentionRun.State.DONE).exists()
        and not _sweeps().filter(state=RetentionRun.State.RUNNING).exists()
    )


def _counted(model: str, outcome: str) -> int:
    return sum(
        per_model.get(model, {}).get(outcome, 0)
        for run in _sweeps()
        for per_model in run.counts.values()
    )


def _tally(expected: dict[str, set[int]]) -> Tally:
    events, leads = expected["events"], expected["leads"]
    left = Event.objects.filter(pk__in=events).count() + Lead.objects.filter(pk__in=leads).count()
    early = (FRESH_EVENTS - Event.objects.exclude(pk__in=events).count()) + (
        FRESH_LEADS - Lead.objects.exclude(pk__in=leads).count()
    )
    counted = {
        "events": _counted("analytics.event", "deleted"),
        "leads": _counted("capture.lead", "deleted"),
        "actions": _counted("capture.lead", "recipient_actions"),
    }
    keys = list(RecipientAction.objects.values_list("target_key", flat=True))
    wanted = {f"lead:{pk}" for pk in leads}
    done_runs = _sweeps().filter(state=RetentionRun.State.DONE).count()
    run_events = AuditEvent.objects.filter(action="retention.run").count()
    duplicated = sum(
        max(counted[k] - len(expected[k if k != "actions" else "leads"]), 0) for k in counted
    )
    duplicated += len(keys) - len(set(keys)) + max(run_events - done_runs, 0)
    lost = left + early + len(wanted - set(keys)) + max(done_runs - run_events, 0)
    lost += sum(max(len(expected[k]) - counted[k], 0) for k in ("events", "leads"))
    return Tally(
        items=len(events) + len(leads),
        lost=lost,
        duplicated=duplicated,
        figures={
            "runs": _sweeps().count(),
            "rows counted deleted": counted["events"] + counted["leads"],
            "recipient actions": len(keys),
            "unexpired rows deleted": early,
        },
    )


@contextmanager
def retention_sweep() -> Iterator[Scenario]:
    expected: dict[str, set[int]] = {}

    def progress() -> int:
        return -(Event.objects.count() + Lead.objects.count())

    yield Scenario(
        name="retention.sweep",
        prepare=lambda: _prepare(expected),
        # The scheduler's daily job; a run a killed worker left is resumed by the next one.
        enqueue=lambda: sweep_expired.enqueue(),
        progress=progress,
        finished=_finished,
        recover=lambda: None,  # a sweep holds no lease: the next run resumes its cursor
        tally=lambda: _tally(expected),
        env={},
        settings={},
    )


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_killing_the_worker_mid_sweep_expires_every_row_once(settings):
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }
    with retention_sweep() as scenario:
        report = run_with_kills(scenario, kills=KILLS, seed=20261126, budget_seconds=BUDGET_SECONDS)
    publish(report)  # the figures quoted in the README
    assert report.kills >= KILLS // 2 and report.mid_work >= 1
    assert report.tally.items == EXPIRED_EVENTS + EXPIRED_LEADS
    assert (report.tally.lost, report.tally.duplicated) == (0, 0), report.line()
    assert report.tally.figures["recipient actions"] == EXPIRED_LEADS
    call_command("audit", "seal")  # what the scheduler does, so verify checks every event
    call_command("audit", "verify")  # raises on a broken chain
