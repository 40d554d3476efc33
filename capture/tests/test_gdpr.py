import pytest
from django.utils import timezone

from capture.gdpr import ERASED, anonymise_leads, rectify_leads
from capture.models import Lead
from capture.services import capture_lead
from leadkeeper.crypto import blind_index

from .factories import lead_data, request_context

pytestmark = pytest.mark.django_db


def _lead(**overrides) -> Lead:
    return capture_lead(
        data=lead_data(**overrides), context=request_context(), channel=Lead.Channel.WEB_FORM
    )


def test_anonymising_clears_every_personal_field_and_keeps_the_row_for_the_reports():
    captured = _lead(email="ivan@example.com", attribution={"utm_source": "google", "gclid": "g-1"})
    assert anonymise_leads(subject_ids=[captured.subject_id]) == 1
    row = Lead.objects.get(pk=captured.pk)
    assert (row.name, row.phone, row.email, row.message, row.ip_address) == (
        ERASED,
        ERASED,
        None,
        None,
        None,
    )
    assert row.subject_id is None and row.phone_index == row.email_index == ""
    assert row.gclid == "" and row.user_agent == ""
    assert row.utm_source == "google"  # the campaign reports still count the lead


def test_a_lead_under_a_legal_hold_is_kept_whole_and_others_are_left_alone():
    held = _lead(email="ivan@example.com")
    Lead.objects.filter(pk=held.pk).update(won_at=timezone.now())
    other = _lead(phone="+79169876543", email="maria@example.com", name="Maria")
    assert anonymise_leads(subject_ids=[held.subject_id], keep_lead_ids=[held.pk]) == 0
    assert Lead.objects.get(pk=held.pk).name == "Ivan Petrov"
    assert Lead.objects.get(pk=other.pk).name == "Maria"


def test_a_rectification_stores_only_the_given_values_with_their_blind_indexes():
    captured = _lead(email="ivan@example.com")
    fields = rectify_leads(lead_ids=[captured.pk], name="Ivan Petrovsky", email="i@example.com")
    assert fields == ["name", "email"]
    row = Lead.objects.get(pk=captured.pk)
    assert (row.name, row.email, row.phone) == ("Ivan Petrovsky", "i@example.com", "+79161234567")
    assert row.email_index == blind_index("i@example.com")
    assert row.phone_index == captured.phone_index
