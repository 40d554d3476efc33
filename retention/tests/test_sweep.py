"""The sweep across each rule's boundary: the day before nothing goes, the day after it goes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from analytics.models import Event, RollupDay
from analytics.tests.factories import event
from audit.models import AuditEvent
from capture.models import Lead
from consent.models import AnalyticsClientId
from crm import pacing
from crm.models import KommoEvent
from crm.tests.factories import make_lead
from crm.tests.kommo_double import KommoDouble
from crm.webhook_inbox import apply_stored_webhooks
from retention.models import LegalHold, RecipientAction, RetentionRun
from retention.services.sweep import sweep
from subjects.models import Subject
from subjects.services import record_interaction

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _lead_at(at: datetime, **fields) -> Lead:
    with time_machine.travel(at, tick=False):
        lead = make_lead(**fields)
    return lead


def _sweep_at(at: datetime) -> RetentionRun:
    with time_machine.travel(at, tick=False):
        return sweep()


def test_a_lead_goes_three_years_after_the_last_interaction_not_a_day_before():
    lead = _lead_at(T0)
    boundary = datetime(2029, 1, 15, 10, 0, tzinfo=UTC)  # policy §5: 3 years

    _sweep_at(boundary - DAY)
    assert Lead.objects.filter(pk=lead.pk).exists()

    run = _sweep_at(boundary + DAY)
    assert not Lead.objects.filter(pk=lead.pk).exists()
    assert not Subject.objects.filter(pk=lead.subject_id).exists()
    assert run.counts["contact"]["capture.lead"]["deleted"] == 1
    assert run.counts["contact"]["subjects.subject"]["deleted"] == 1


@pytest.fixture
def kommo(settings):
    """The local Kommo: inbound reads a hooked lead back from the API before applying it."""
    double = KommoDouble(token="test-kommo-token")
    double.start()
    double.rate_limit = None  # the clock is frozen
    settings.KOMMO_BASE_URL = double.url
    settings.KOMMO_ACCESS_TOKEN = double.token
    settings.KOMMO_MODE = "complex"
    settings.KOMMO_WEBHOOK_SECRET = "s3cret-path-token-0123456789"
    yield double
    double.stop()
    pacing.forget_clients()  # a later double may get the same port


def test_a_kommo_webhook_interaction_moves_the_lead_clock_so_it_stays(client, kommo):
    lead = _lead_at(T0)
    Lead.objects.filter(pk=lead.pk).update(kommo_lead_id=900001, kommo_contact_id=800001)
    note_at = T0 + timedelta(days=400)
    kommo.put_lead(900001, status_id=1001, updated_at=int(note_at.timestamp()), closed_at=None)
    with time_machine.travel(note_at + timedelta(hours=1), tick=False):
        client.post(
            "/hooks/kommo/s3cret-path-token-0123456789/",
            {
                "account[id]": "31000000",
                "account[subdomain]": "kommoexpert",
                "leads[note][0][note][element_id]": "900001",
                "leads[note][0][note][element_type]": "2",
                "leads[note][0][note][date_create]": str(int(note_at.timestamp())),
            },
        )
        apply_stored_webhooks()  # the worker applies what the endpoint stored (issue 9)
    assert Subject.objects.get(pk=lead.subject_id).last_interaction_at == note_at
    first_boundary = datetime(2029, 1, 15, 10, 0, tzinfo=UTC)
    _sweep_at(first_boundary + DAY)
    assert Lead.objects.filter(pk=lead.pk).exists()  # refreshed by the note

    new_boundary = note_at.replace(year=note_at.year + 3)
    _sweep_at(new_boundary - DAY)
    assert Lead.objects.filter(pk=lead.pk).exists()
    _sweep_at(new_boundary + DAY)
    assert not Lead.objects.filter(pk=lead.pk).exists()
    # Kommo's copy expires with ours: the rights desk's Kommo step anonymises it.
    action = RecipientAction.objects.get()
    assert (action.recipient, action.rule, action.state) == ("kommo", "contact", "pending")
    assert action.target == {"kommo_lead_id": 900001, "kommo_contact_id": 800001}


def test_a_client_is_held_until_five_years_after_contract_completion_then_anonymised():
    lead = _lead_at(T0)
    completed = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
    Lead.objects.filter(pk=lead.pk).update(
        won_at=T0 + DAY, contract_completed_at=completed, crm_status="won", kommo_lead_id=7
    )
    # The contact period is long over, but the contract is held (Art. 17(3)(b)).
    run = _sweep_at(datetime(2030, 1, 1, tzinfo=UTC))
    assert Lead.objects.get(pk=lead.pk).phone_index
    assert any("client contract held" in note for note in run.skipped["contact"])

    boundary = datetime(2031, 6, 30, 12, 0, tzinfo=UTC)  # 5 years after completion
    _sweep_at(boundary - DAY)
    assert Lead.objects.get(pk=lead.pk).name == "Ivan Petrov"

    run = _sweep_at(boundary + DAY)
    kept = Lead.objects.get(pk=lead.pk)
    assert (kept.name, kept.phone, kept.email, kept.phone_index, kept.subject_id) == (
        "anonymised",
        "anonymised",
        None,
        "",
        None,
    )
    assert (kept.ip_address, kept.utm_source, kept.message) == (None, "", None)
    assert (kept.crm_status, kept.won_at, kept.contract_completed_at) == (
        "won",
        T0 + DAY,
        completed,
    )
    assert run.counts["contract"]["capture.lead"]["anonymised"] == 1
    assert not Subject.objects.filter(pk=lead.subject_id).exists()
    # Anonymised once: the next run finds nothing to do.
    again = _sweep_at(boundary + 2 * DAY)
    assert "contract" not in again.counts


def test_a_won_deal_without_a_completion_date_is_held():
    lead = _lead_at(T0)
    Lead.objects.filter(pk=lead.pk).update(won_at=T0 + DAY)
    _sweep_at(datetime(2040, 1, 1, tzinfo=UTC))
    assert Lead.objects.get(pk=lead.pk).phone_index


def test_a_restricted_subject_is_skipped_and_the_run_says_so():
    lead = _lead_at(T0)
    Subject.objects.filter(pk=lead.subject_id).update(restricted_at=T0 + DAY)
    run = _sweep_at(datetime(2029, 2, 1, tzinfo=UTC))
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert "1 leads of restricted subjects (Art. 18)" in run.skipped["contact"]
    audit = AuditEvent.objects.get(action="retention.run")
    assert audit.data["skipped"]["contact"] == run.skipped["contact"]


def test_a_legal_hold_keeps_the_subject_until_it_is_released():
    lead = _lead_at(T0)
    hold = LegalHold.objects.create(subject_id=lead.subject_id, reason="claim", created_by="t")
    run = _sweep_at(datetime(2029, 2, 1, tzinfo=UTC))
    assert Lead.objects.filter(pk=lead.pk).exists()
    assert any("legal hold" in note for note in run.skipped["contact"])

    hold.released_at = datetime(2029, 2, 1, tzinfo=UTC)
    hold.save()
    _sweep_at(datetime(2029, 2, 2, tzinfo=UTC))
    assert not Lead.objects.filter(pk=lead.pk).exists()


def test_raw_events_go_after_fourteen_months_and_their_rollups_stay():
    old = event(ts=T0)
    boundary = datetime(2027, 3, 15, 10, 0, tzinfo=UTC)  # 14 months
    _sweep_at(boundary - DAY)
    assert Event.objects.filter(pk=old.pk).exists()

    run = _sweep_at(boundary + DAY)
    assert not Event.objects.filter(pk=old.pk).exists()
    assert RollupDay.objects.get(day=T0.date()).raw_pruned
    assert run.counts["analytics"]["analytics.event"]["deleted"] == 1


def test_a_google_analytics_client_id_goes_with_its_events():
    import uuid

    client_id = AnalyticsClientId.objects.create(
        consent_id=uuid.uuid4(), client_id="GA1.1.1.1", retention_from=T0, last_seen_at=T0
    )
    _sweep_at(datetime(2027, 3, 14, tzinfo=UTC))
    assert AnalyticsClientId.objects.filter(pk=client_id.pk).exists()
    _sweep_at(datetime(2027, 3, 16, 11, tzinfo=UTC))
    assert not AnalyticsClientId.objects.filter(pk=client_id.pk).exists()


def test_processed_webhook_ids_go_after_ninety_days():
    row = KommoEvent.objects.create(
        source="webhook",
        entity="leads",
        action="note",
        kommo_id=1,
        digest="d",
        outcome="unknown",
        received_at=T0,
    )
    _sweep_at(T0 + timedelta(days=89))
    assert KommoEvent.objects.filter(pk=row.pk).exists()
    _sweep_at(T0 + timedelta(days=91))
    assert not KommoEvent.objects.filter(pk=row.pk).exists()


def test_a_crash_halfway_resumes_where_it_stopped_and_does_nothing_twice():
    leads = [_lead_at(T0, phone=f"+7916000000{i}", email=f"p{i}@example.com") for i in range(5)]
    for lead in leads:
        Lead.objects.filter(pk=lead.pk).update(kommo_lead_id=100 + lead.pk)

    class Crash(Exception):
        pass

    def crash_after(step):
        if step.key == "contact:capture.lead":
            raise Crash

    later = datetime(2029, 2, 1, tzinfo=UTC)
    with time_machine.travel(later, tick=False), pytest.raises(Crash):
        sweep(batch=2, crash_after=crash_after)
    crashed = RetentionRun.objects.get()
    assert crashed.state == "running" and crashed.counts["contact"]["capture.lead"]["deleted"] == 5

    resumed = _sweep_at(later + timedelta(hours=1))
    assert resumed.pk == crashed.pk and resumed.state == "done"
    assert resumed.as_of == later  # the resumed run measures against its own moment
    assert resumed.counts["contact"]["capture.lead"]["deleted"] == 5  # not counted twice
    assert "contact:capture.lead" in resumed.done_steps
    assert RecipientAction.objects.count() == 5
    assert AuditEvent.objects.filter(action="retention.run").count() == 1


def test_a_sweep_interrupted_inside_a_step_loses_only_the_uncommitted_batch():
    for i in range(5):
        _lead_at(T0, phone=f"+7916000001{i}", email=f"q{i}@example.com")
    later = datetime(2029, 2, 1, tzinfo=UTC)
    calls = []

    def progress(step, done, total):
        calls.append(done)
        if step.key == "contact:capture.lead" and done >= 2:
            raise KeyboardInterrupt  # the process is killed between batches

    with time_machine.travel(later, tick=False), pytest.raises(KeyboardInterrupt):
        sweep(batch=2, progress=progress)
    assert Lead.objects.count() == 3
    run = _sweep_at(later)
    assert Lead.objects.count() == 0
    assert run.counts["contact"]["capture.lead"]["deleted"] == 5


def test_an_interaction_recorded_after_a_crash_is_respected_by_the_resumed_run():
    lead = _lead_at(T0)
    later = datetime(2029, 2, 1, tzinfo=UTC)
    RetentionRun.objects.create(as_of=later)  # a run that died before its first step
    record_interaction(subject=lead.subject, at=later, source="test")
    _sweep_at(later + DAY)
    assert Lead.objects.filter(pk=lead.pk).exists()
