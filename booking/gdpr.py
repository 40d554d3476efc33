"""The rights desk's writes to bookings (policy §7, GDPR Art. 17).

Our copy of a booking is deleted here; Cal.com's own copy is the rights app's
calcom.cancel step (integrations/calcom), since only upcoming bookings can be cancelled.
"""

from django.db import transaction

from .models import Booking


@transaction.atomic
def erase_bookings(*, subject_ids: list[int]) -> int:
    """Delete these subjects' bookings; returns how many rows went."""
    deleted, _ = Booking.objects.filter(subject_id__in=subject_ids).delete()
    return deleted
