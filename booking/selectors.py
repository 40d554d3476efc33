"""Reads of the booking app for the rights desk (policy §7), by verified identifiers only."""

from .models import Booking


def subject_ids_of_bookings_matching(*, email_index: str) -> set[int]:
    """Subjects of the bookings made with this email (blind index)."""
    if not email_index:
        return set()
    bookings = Booking.objects.filter(email_index=email_index, subject__isnull=False)
    return set(bookings.values_list("subject_id", flat=True))


def booking_rows_of_subjects(*, subject_ids: list[int]) -> list[dict]:
    """These subjects' bookings as plain values, by start time."""
    bookings = Booking.objects.filter(subject_id__in=subject_ids).order_by("start_time", "pk")
    return [
        {
            "uid": b.uid,
            "status": b.status,
            "name": b.name or "",
            "email": b.email,
            "start_time": b.start_time,
            "end_time": b.end_time,
        }
        for b in bookings
    ]
