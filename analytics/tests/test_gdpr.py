"""analytics/services/gdpr.py and the rights desk's reads in analytics/selectors.py."""

import pytest
from django.utils import timezone

from analytics.models import Event, LeadAttribution
from analytics.selectors import attribution_rows_of_subjects, event_count_of_subjects
from analytics.services.gdpr import erase_linked_analytics
from capture.models import Lead
from capture.services import capture_lead
from capture.tests.factories import lead_data, request_context

from .factories import event

pytestmark = pytest.mark.django_db


def _linked(phone: str) -> Lead:
    lead = capture_lead(
        data=lead_data(phone=phone), context=request_context(), channel=Lead.Channel.WEB_FORM
    )
    linked = event(ts=timezone.now(), key=f"k-{lead.pk}")
    Event.objects.filter(pk=linked.pk).update(subject_id=lead.subject_id)
    LeadAttribution.objects.create(
        lead=lead,
        subject_id=lead.subject_id,
        method="lead_fields",
        first_source="google",
        last_source="google",
    )
    return lead


def test_the_subjects_linked_events_and_attribution_are_read_and_then_erased_alone():
    ivan, maria = _linked("+79161234567"), _linked("+79169876543")
    assert event_count_of_subjects(subject_ids=[ivan.subject_id]) == 1
    (row,) = attribution_rows_of_subjects(subject_ids=[ivan.subject_id])
    assert row["lead_id"] == ivan.pk and row["first_source"] == "google"

    counts = erase_linked_analytics(subject_ids=[ivan.subject_id])

    assert counts == {"analytics_events": 1, "lead_attributions": 1}
    assert event_count_of_subjects(subject_ids=[ivan.subject_id]) == 0
    assert event_count_of_subjects(subject_ids=[maria.subject_id]) == 1
    assert LeadAttribution.objects.get().lead_id == maria.pk
