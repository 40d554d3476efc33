"""Tables outside the personal records, across their rule's boundary: the audit trail (pruned
through audit's anchored prune, so `audit verify` stays green) and Kommo's raw webhooks."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from audit.models import AuditCheckpoint, AuditEvent
from audit.services import record_event, seal_events
from crm.models import KommoInbox
from retention.models import RetentionRun
from retention.services.sweep import sweep

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def _sweep_at(at: datetime) -> RetentionRun:
    with time_machine.travel(at, tick=False):
        run = sweep(duty=1.0)
        seal_events()  # the scheduler seals every few seconds
    return run


def test_audit_events_go_six_years_after_the_event_and_the_chain_still_verifies(capsys):
    with time_machine.travel(T0, tick=False):
        old = record_event(actor="system", action="test.old", data={"n": 1})
        seal_events()
    boundary = datetime(2032, 1, 15, 10, 0, tzinfo=UTC)  # register: 6 years from the event

    _sweep_at(boundary - DAY)
    assert AuditEvent.objects.filter(pk=old.pk).exists()

    run = _sweep_at(boundary + DAY)
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert run.counts["audit"]["audit.auditevent"]["deleted"] == 1
    assert AuditCheckpoint.objects.get().seq == 1
    call_command("audit", "verify")
    assert "pruned through event 1" in capsys.readouterr().out

    # Still tamper-evident after the prune: an edited event that stayed breaks the chain.
    AuditEvent.objects.filter(action="retention.run").update(reason="edited")
    with pytest.raises(CommandError, match="broken"):
        call_command("audit", "verify")


def test_kommo_webhooks_waiting_or_failed_go_thirty_days_after_receipt():
    failed = KommoInbox.objects.create(
        body=b"leads[note][0][note][text]=call+Ivan", state="failed", received_at=T0
    )
    waiting = KommoInbox.objects.create(body=b"x=1", received_at=T0 + 2 * DAY)

    _sweep_at(T0 + 29 * DAY)
    assert KommoInbox.objects.count() == 2

    run = _sweep_at(T0 + 31 * DAY)
    assert not KommoInbox.objects.filter(pk=failed.pk).exists()
    assert KommoInbox.objects.filter(pk=waiting.pk).exists()  # its 30 days are not over
    assert run.counts["kommo_hooks"]["crm.kommoinbox"]["deleted"] == 1


def test_a_tampered_audit_chain_is_not_pruned_and_the_run_says_why():
    with time_machine.travel(T0, tick=False):
        record_event(actor="system", action="test.old")
        record_event(actor="system", action="test.old")
        seal_events()
    AuditEvent.objects.filter(seq=1).update(reason="edited")

    run = _sweep_at(datetime(2032, 2, 1, tzinfo=UTC))
    assert run.state == "done"
    assert AuditEvent.objects.filter(action="test.old").count() == 2  # the evidence stays
    assert any("event 1 was altered" in note for note in run.skipped["audit"])
