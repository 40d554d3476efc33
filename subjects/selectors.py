"""Reads about the person."""

from django.apps import apps
from django.db.models import Q

from .models import PersonalRecord, Subject


def personal_record_models() -> list[type[PersonalRecord]]:
    """Every installed table that holds personal data (the concrete PersonalRecord subclasses).

    Found from the app registry, so a new app's table is covered without a list to keep.
    """
    return [model for model in apps.get_models() if issubclass(model, PersonalRecord)]


def subject_ids_matching(*, email_index: str = "", phone_index: str = "") -> set[int]:
    """Subjects carrying either blind index (the rights desk's look-up, policy §7)."""
    match = Q(pk__in=[])
    if email_index:
        match |= Q(email_index=email_index)
    if phone_index:
        match |= Q(phone_index=phone_index)
    return set(Subject.objects.filter(match).values_list("pk", flat=True))


def live_subject_ids(*, subject_ids: list[int]) -> list[int]:
    """Of these subjects, those not erased yet."""
    subjects = Subject.objects.filter(pk__in=subject_ids, erased_at__isnull=True)
    return list(subjects.values_list("pk", flat=True))


def subject_indexes(*, subject_ids: list[int]) -> list[tuple[str, str]]:
    """(phone_index, email_index) of these subjects, leaving out those with neither."""
    rows = Subject.objects.filter(pk__in=subject_ids).values_list("phone_index", "email_index")
    return [row for row in rows if any(row)]
