import pytest

from audit.models import AuditEvent
from audit.services import record_event, verify_chain

pytestmark = pytest.mark.django_db


def _events(n: int) -> None:
    for i in range(n):
        record_event(actor="system", action="test.event", subject_id=i, data={"i": i})


def test_an_intact_chain_verifies():
    _events(5)
    report = verify_chain()
    assert report.ok and report.checked == 5


def test_an_edited_event_breaks_the_chain_at_that_event():
    _events(5)
    AuditEvent.objects.filter(seq=3).update(action="test.forged")
    report = verify_chain()
    assert not report.ok and report.first_break == 3 and "altered" in report.problem


def test_a_deleted_event_is_found():
    _events(5)
    AuditEvent.objects.filter(seq=2).delete()  # queryset delete bypasses the model guard
    report = verify_chain()
    assert not report.ok and "missing" in report.problem


def test_truncating_the_tail_is_found():
    _events(4)
    AuditEvent.objects.filter(seq=4).delete()
    assert not verify_chain().ok


def test_events_cannot_be_changed_through_the_model():
    event = record_event(actor="system", action="test.event")
    event.action = "changed"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()


def test_the_command_reports_the_break(capsys):
    from django.core.management import CommandError, call_command

    _events(2)
    call_command("audit", "verify")
    assert "2 events verified" in capsys.readouterr().out
    AuditEvent.objects.filter(seq=1).update(reason="tampered")
    with pytest.raises(CommandError, match="broken"):
        call_command("audit", "verify")


def test_a_missing_head_row_is_recreated():
    from audit.models import AuditHead

    AuditHead.objects.all().delete()
    record_event(actor="system", action="test.event")
    assert verify_chain().ok
