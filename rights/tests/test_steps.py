import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEvent
from capture.models import Lead
from consent.models import ConsentRecord
from leadkeeper.crypto import fernet
from rights.models import Export
from subjects.models import Subject

from .helpers import lead, run_steps, verified

pytestmark = pytest.mark.django_db


def _zip(request) -> zipfile.ZipFile:
    export = Export.objects.get(request=request)
    return zipfile.ZipFile(io.BytesIO(fernet().decrypt(bytes(export.content))))


def test_restriction_marks_the_subject_and_answers():
    captured = lead()
    request = verified("restriction")
    run_steps(request)
    assert request.status == "complete"
    assert Subject.objects.get(pk=captured.subject_id).restricted_at is not None


def test_withdrawal_is_recorded_as_consent_proof_like_the_consent_page():
    captured = lead()
    request = verified("withdrawal")
    run_steps(request)
    assert request.status == "complete"
    withdrawn = ConsentRecord.objects.get(lead=captured, action="withdraw")
    assert withdrawn.method == f"rights request {request.reference}"
    # The desk's own withdrawal does not open a second rights request.
    assert type(request).objects.count() == 1


def test_complaint_names_the_supervisory_authority_from_the_register():
    request = verified("complaint", email="someone@example.org")
    run_steps(request)
    receipt = request.steps.get(name="complaint.route").receipt
    assert "supervisory authority" in receipt["authority"]
    assert "edpb.europa.eu" in receipt["contact"]


def test_portability_gives_what_the_person_provided_as_json_and_csv():
    lead()
    request = verified("portability")
    run_steps(request)
    archive = _zip(request)
    assert set(archive.namelist()) == {"data.json", "contact_requests.csv", "bookings.csv"}
    body = json.loads(archive.read("data.json"))
    assert body["contact_requests"][0]["phone"] == "+79161234567"
    assert "user_agent" not in body["contact_requests"][0]  # observed, not provided
    csv_text = archive.read("contact_requests.csv").decode()
    assert "Ivan Petrov" in csv_text and ",'+79161234567," in csv_text  # not a formula


def test_objection_removes_the_linked_campaign_attribution():
    from analytics.models import LeadAttribution

    captured = lead()
    LeadAttribution.objects.create(
        lead=captured,
        subject_id=captured.subject_id,
        method="lead_fields",
        first_source_class="paid",
        first_source="google",
        first_medium="cpc",
        last_source_class="paid",
        last_source="google",
        last_medium="cpc",
    )
    request = verified("objection")
    run_steps(request)
    assert request.steps.get(name="local.object").receipt["lead_attributions"] == 1
    assert not LeadAttribution.objects.exists()


def test_rectification_waits_for_a_person_with_instructions():
    captured = lead()
    request = verified("rectification", details="My name is Ivan Petrovich")
    run_steps(request)
    step = request.steps.get(name="local.rectify")
    assert request.status == "requires_input" and str(captured.pk) in step.message


def test_erasure_keeps_a_client_contract_under_its_legal_hold():
    captured = lead()
    Lead.objects.filter(pk=captured.pk).update(won_at=timezone.now())
    request = verified("erasure")
    run_steps(request)
    step = request.steps.get(name="local.erase")
    assert "Art. 17(3)(b)" in step.message and step.receipt["leads_held"] == 1
    kept = Lead.objects.get(pk=captured.pk)
    assert kept.name == "Ivan Petrov"
    assert Subject.objects.get(pk=captured.subject_id).restricted_at is not None


def test_every_step_is_audited():
    lead()
    request = verified("access")
    run_steps(request)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {
        "rights.request.received",
        "rights.request.verified",
        "rights.step.done",
        "rights.request.complete",
    } <= actions


def test_replay_erasures_erases_a_subject_a_restore_brought_back(capsys):
    captured = lead()
    request = verified("erasure")
    run_steps(request)
    # A restored backup brings the person back, with the same blind indexes.
    restored = Subject.objects.create(
        phone_index=captured.phone_index, email_index=captured.email_index
    )
    call_command("rights", "replay-erasures")
    assert "1 subject(s) found again, 1 erased" in capsys.readouterr().out
    assert Subject.objects.get(pk=restored.pk).erased_at is not None


def test_a_worker_dying_mid_erasure_leaves_nothing_half_done_and_the_rerun_erases_once(
    monkeypatch,
):
    import time_machine

    from rights.models import ErasedSubject
    from rights.services.runner import run_step
    from rights.steps import erasure

    captured = lead()
    request = verified("erasure")
    original = erasure.erase_subjects

    def dies_after_the_deletes(**kwargs):
        original(**kwargs)
        raise SystemError("worker killed")

    monkeypatch.setattr(erasure, "erase_subjects", dies_after_the_deletes)
    run_steps(request)
    step = request.steps.get(name="local.erase")
    assert step.state == "retrying"
    assert Lead.objects.get(pk=captured.pk).name == "Ivan Petrov"  # rolled back whole
    assert not ErasedSubject.objects.exists()
    monkeypatch.setattr(erasure, "erase_subjects", original)
    with time_machine.travel(step.next_attempt_at + timedelta(seconds=1)):
        assert run_step(step_id=step.pk) == "done"
        assert run_step(step_id=step.pk) == "not runnable now"
    assert ErasedSubject.objects.count() == 1
    assert Lead.objects.get(pk=captured.pk).name == "[erased]"


def test_an_objection_keeps_the_attribution_job_from_linking_the_lead_again():
    from analytics.models import LeadAttribution
    from analytics.services.attribution import attribute_pending_leads

    captured, other = lead(), lead(phone="+79161234500", email="anna@example.com")
    request = verified("objection")
    run_steps(request)

    assert request.steps.get(name="local.object").receipt["subjects"] == 1
    assert attribute_pending_leads() == 1  # only the other person's lead
    assert list(LeadAttribution.objects.values_list("lead_id", flat=True)) == [other.pk]
    captured.subject.refresh_from_db()
    assert captured.subject.objected_at is not None
