"""Pruning the chain's start past its period: `audit verify` stays green, tampering still shows."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command

from audit.errors import AuditChainBroken
from audit.models import AuditCheckpoint, AuditEvent
from audit.services import prune_events_before, record_event, seal_events, verify_chain

pytestmark = pytest.mark.django_db

OLD = datetime(2020, 3, 1, 12, 0, tzinfo=UTC)
NEW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
CUTOFF = datetime(2021, 1, 1, tzinfo=UTC)


def _events_at(at: datetime, n: int) -> None:
    with time_machine.travel(at, tick=False):
        for i in range(n):
            record_event(actor="system", action="test.event", subject_id=i, data={"i": i})
    seal_events()


def _prune_all(before: datetime = CUTOFF, *, batch: int = 5000) -> int:
    total = 0
    while pruned := prune_events_before(before=before, batch=batch):
        total += pruned
    return total


def test_events_before_the_cutoff_go_and_the_chain_verifies_from_the_checkpoint(capsys):
    _events_at(OLD, 3)
    _events_at(NEW, 2)

    assert _prune_all() == 3
    assert list(AuditEvent.objects.filter(action="test.event").values_list("seq", flat=True)) == [
        4,
        5,
    ]
    report = verify_chain()
    assert report.ok and report.pruned_through == 3 and report.checked == 2
    seal_events()  # the attestation joins the chain like any event
    call_command("audit", "verify")
    assert "pruned through event 3" in capsys.readouterr().out
    assert verify_chain().ok


def test_pruning_in_batches_leaves_one_checkpoint_per_batch_and_a_green_chain():
    _events_at(OLD, 5)
    _events_at(NEW, 1)
    assert _prune_all(batch=2) == 5
    assert list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == [2, 4, 5]
    assert AuditEvent.objects.filter(action="audit.pruned").count() == 3
    seal_events()
    assert verify_chain().ok


def test_only_the_chains_start_goes_an_old_event_after_a_newer_one_stays():
    _events_at(OLD, 2)
    _events_at(NEW, 1)
    _events_at(OLD, 1)  # a late-sealed old event (a clock skew): not in the prefix
    assert _prune_all() == 2
    assert AuditEvent.objects.filter(action="test.event").count() == 2
    assert verify_chain().ok


def test_an_event_altered_after_the_prune_breaks_the_chain():
    _events_at(OLD, 3)
    _events_at(NEW, 3)
    _prune_all()
    seal_events()
    AuditEvent.objects.filter(seq=5).update(reason="tampered")
    report = verify_chain()
    assert not report.ok and report.first_break == 5 and "altered" in report.problem
    with pytest.raises(CommandError, match="broken"):
        call_command("audit", "verify")


def test_a_deleted_checkpoint_reads_as_missing_events():
    _events_at(OLD, 3)
    _events_at(NEW, 1)
    _prune_all()
    AuditCheckpoint.objects.all().delete()
    report = verify_chain()
    assert not report.ok and "event 1 is missing" in report.problem


def test_a_checkpoint_nobody_attested_hides_nothing():
    _events_at(NEW, 4)
    hidden = AuditEvent.objects.get(seq=2)
    AuditEvent.objects.filter(seq__lte=2).delete()  # someone removes recent events...
    AuditCheckpoint.objects.create(  # ...and forges a checkpoint to cover the gap
        seq=2, hash=hidden.hash, event_at=hidden.at, before=NEW, pruned=2
    )
    report = verify_chain()
    assert not report.ok and "no audit.pruned event" in report.problem


def test_a_prune_refuses_to_launder_a_tampered_event():
    _events_at(OLD, 3)
    _events_at(NEW, 1)
    AuditEvent.objects.filter(seq=2).update(reason="tampered")
    with pytest.raises(AuditChainBroken, match="event 2 was altered"):
        prune_events_before(before=CUTOFF)
    assert AuditEvent.objects.count() == 4 and not AuditCheckpoint.objects.exists()


def test_unsealed_events_are_never_pruned():
    with time_machine.travel(OLD, tick=False):
        record_event(actor="system", action="test.event")
    assert prune_events_before(before=CUTOFF) == 0
    assert AuditEvent.objects.count() == 1


def test_nothing_to_prune_before_the_cutoff_changes_nothing():
    _events_at(NEW, 2)
    assert prune_events_before(before=CUTOFF) == 0
    assert not AuditCheckpoint.objects.exists()
    assert verify_chain().ok and verify_chain().pruned_through == 0


def test_sealing_continues_the_chain_after_a_prune():
    _events_at(OLD, 2)
    _prune_all(before=NEW)
    _events_at(NEW + timedelta(days=1), 2)
    report = verify_chain()
    assert report.ok and report.pruned_through == 2 and report.checked == 3  # attestation too
