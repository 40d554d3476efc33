"""Writes about the person: the one subject look-up and the one §5 clock."""

import logging
from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from leadkeeper.crypto import blind_index

from .models import Subject

logger = logging.getLogger(__name__)


def subject_for(*, phone: str, email: str) -> Subject:
    """The subject a normalised phone (E.164) and email belong to, created when new.

    Matched by phone, then by email. Does not move the §5 clock: callers record the
    interaction with record_interaction().
    """
    phone_index = blind_index(phone)
    email_index = blind_index(email)
    match = Q()
    if phone_index:
        match |= Q(phone_index=phone_index)
    if email_index:
        match |= Q(email_index=email_index)
    candidates = (
        list(Subject.objects.filter(match, erased_at__isnull=True).order_by("pk")[:5])
        if match
        else []
    )
    subject = next(
        (s for s in candidates if phone_index and s.phone_index == phone_index), None
    ) or next(iter(candidates), None)
    if subject is None:
        now = timezone.now()
        return Subject.objects.create(
            phone_index=phone_index, email_index=email_index, created_at=now,
            last_interaction_at=now,
        )
    if email_index and not subject.email_index:
        subject.email_index = email_index
        subject.save(update_fields=["email_index"])
    return subject


def record_interaction(*, subject: Subject, at: datetime, source: str) -> bool:
    """Restart the subject's contact-data clock (policy §5: 3 years from last interaction).

    Never moves it backwards: a late or replayed event older than the clock changes
    nothing, and a time in the future (a vendor's skewed clock) counts as now. True when
    the clock moved.
    """
    at = min(at, timezone.now())
    moved = bool(
        Subject.objects.filter(pk=subject.pk, last_interaction_at__lt=at).update(
            last_interaction_at=at
        )
    )
    if moved:
        subject.last_interaction_at = at
        logger.debug(
            "subjects.interaction.recorded", extra={"subject_id": subject.pk, "source": source}
        )
    return moved
