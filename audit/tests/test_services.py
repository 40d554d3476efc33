import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditEvent, AuditHead
from audit.services import record_event, seal_events, verify_chain

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    for i in range(n):
        record_event(actor="system", action="test.event", subject_id=i, data={"i": i})


def test_appending_waits_for_the_sealer_and_sealing_chains_in_order():
    _events(3)
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == [None, None, None]
    assert verify_chain().unsealed == 3
    assert seal_events() == 3
    assert list(AuditEvent.objects.order_by("id").values_list("seq", flat=True)) == [1, 2, 3]
    _events(2)
    assert seal_events(batch=1) == 2  # in batches, continuing the same chain
    report = verify_chain()
    assert report.ok and report.checked == 5 and report.unsealed == 0


def test_an_edited_event_breaks_the_chain_at_that_event():
    _events(5)
    seal_events()
    AuditEvent.objects.filter(seq=3).update(action="test.forged")
    report = verify_chain()
    assert not report.ok and report.first_break == 3 and "altered" in report.problem


def test_a_deleted_event_is_found():
    _events(5)
    seal_events()
    AuditEvent.objects.filter(seq=2).delete()  # queryset delete bypasses the model guard
    report = verify_chain()
    assert not report.ok and "missing" in report.problem


def test_truncating_the_tail_is_found():
    _events(4)
    seal_events()
    AuditEvent.objects.filter(seq=4).delete()
    assert not verify_chain().ok


def test_events_cannot_be_changed_through_the_model():
    event = record_event(actor="system", action="test.event")
    event.action = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_a_missing_head_row_is_recreated():
    AuditHead.objects.all().delete()
    record_event(actor="system", action="test.event")
    assert seal_events() == 1
    assert verify_chain().ok


def test_the_command_seals_verifies_and_reports_the_break(capsys):
    _events(2)
    call_command("audit", "seal")
    call_command("audit", "verify")
    assert "2 events verified" in capsys.readouterr().out
    AuditEvent.objects.filter(seq=1).update(reason="tampered")
    with pytest.raises(CommandError, match="broken"):
        call_command("audit", "verify")


def test_events_left_unsealed_too_long_are_reported(capsys):
    import time_machine
    from django.utils import timezone

    with time_machine.travel(timezone.now() - timezone.timedelta(hours=1)):
        record_event(actor="system", action="test.event")
    with pytest.raises(CommandError, match="scheduler running"):
        call_command("audit", "verify")


def test_the_sealer_is_a_periodic_job():
    from leadkeeper.scheduling import discover_jobs

    assert "audit.seal" in {job.name for job in discover_jobs()}
