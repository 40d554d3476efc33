import pytest
from django.utils import timezone

from capture.models import Lead
from capture.selectors import (
    lead_rows_of_subjects,
    subject_ids_of_leads_matching,
    won_leads_of_subjects,
)
from capture.services import capture_lead
from leadkeeper.crypto import blind_index

from .factories import lead_data, request_context

pytestmark = pytest.mark.django_db


def _lead(**overrides) -> Lead:
    return capture_lead(
        data=lead_data(**overrides), context=request_context(), channel=Lead.Channel.WEB_FORM
    )


def test_a_leads_subject_is_found_by_either_blind_index_and_by_nothing_else():
    captured = _lead(email="ivan@example.com")
    by_email = subject_ids_of_leads_matching(email_index=blind_index("ivan@example.com"))
    by_phone = subject_ids_of_leads_matching(phone_index=captured.phone_index)
    assert by_email == by_phone == {captured.subject_id}
    assert subject_ids_of_leads_matching() == set()
    assert subject_ids_of_leads_matching(email_index=blind_index("other@example.com")) == set()


def test_lead_rows_carry_the_decrypted_values_and_the_kommo_ids():
    captured = _lead(email="ivan@example.com")
    Lead.objects.filter(pk=captured.pk).update(kommo_contact_id=72)
    (row,) = lead_rows_of_subjects(subject_ids=[captured.subject_id])
    assert row["email"] == "ivan@example.com" and row["phone"] == "+79161234567"
    assert row["id"] == captured.pk and row["kommo_contact_id"] == 72
    assert lead_rows_of_subjects(subject_ids=[]) == []


def test_only_leads_that_became_contracts_are_listed_as_won():
    won = _lead()
    _lead(phone="+79169876543", name="Maria")
    now = timezone.now()
    Lead.objects.filter(pk=won.pk).update(won_at=now, contract_completed_at=now)
    subject_ids = list(Lead.objects.values_list("subject_id", flat=True))
    assert won_leads_of_subjects(subject_ids=subject_ids) == [(won.pk, won.subject_id, now)]
