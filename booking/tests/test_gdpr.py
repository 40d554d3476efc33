from datetime import timedelta

import pytest
from django.utils import timezone

from booking.gdpr import erase_bookings
from booking.models import Booking
from booking.selectors import booking_rows_of_subjects, subject_ids_of_bookings_matching
from capture.models import Lead
from capture.services import capture_lead
from capture.tests.factories import lead_data, request_context
from leadkeeper.crypto import blind_index

pytestmark = pytest.mark.django_db


def _booked(*, email: str, phone: str) -> Booking:
    lead = capture_lead(
        data=lead_data(email=email, phone=phone),
        context=request_context(),
        channel=Lead.Channel.WEB_FORM,
    )
    start = timezone.now() + timedelta(days=2)
    return Booking.objects.create(
        uid=f"b-{lead.pk}",
        status=Booking.Status.SCHEDULED,
        start_time=start,
        end_time=start + timedelta(minutes=30),
        email=email,
        email_index=blind_index(email),
        subject=lead.subject,
        lead=lead,
        last_event_at=timezone.now(),
    )


def test_a_bookings_subject_is_found_by_its_email_and_listed_as_plain_values():
    booking = _booked(email="ivan@example.com", phone="+79161234567")
    found = subject_ids_of_bookings_matching(email_index=blind_index("ivan@example.com"))
    assert found == {booking.subject_id}
    assert subject_ids_of_bookings_matching(email_index="") == set()
    (row,) = booking_rows_of_subjects(subject_ids=[booking.subject_id])
    assert row["uid"] == booking.uid and row["email"] == "ivan@example.com"


def test_erasing_bookings_deletes_only_the_subjects_own():
    ivan = _booked(email="ivan@example.com", phone="+79161234567")
    maria = _booked(email="maria@example.com", phone="+79169876543")
    assert erase_bookings(subject_ids=[ivan.subject_id]) == 1
    assert list(Booking.objects.values_list("uid", flat=True)) == [maria.uid]
