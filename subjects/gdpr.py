"""The rights desk's writes to the person (policy §7, GDPR Art. 17, 18, 21)."""

from datetime import datetime

from django.db import transaction

from .models import Subject


@transaction.atomic
def restrict_subjects(*, subject_ids: list[int], at: datetime) -> int:
    """Art. 18: stored, excluded from delivery and contact (crm/delivery.py honours it)."""
    subjects = Subject.objects.filter(pk__in=subject_ids, restricted_at__isnull=True)
    return subjects.update(restricted_at=at)


@transaction.atomic
def mark_objected(*, subject_ids: list[int], at: datetime) -> int:
    """Art. 21: `objected_at` keeps the attribution job from linking their leads again."""
    subjects = Subject.objects.filter(pk__in=subject_ids, objected_at__isnull=True)
    return subjects.update(objected_at=at)


@transaction.atomic
def erase_subject_identities(*, subject_ids: list[int], at: datetime) -> int:
    """Art. 17: the person's row keeps no identifier, only that it was erased and when."""
    subjects = Subject.objects.filter(pk__in=subject_ids)
    return subjects.update(erased_at=at, phone_index="", email_index="", restricted_at=None)


@transaction.atomic
def reindex_subjects(
    *, subject_ids: list[int], phone_index: str = "", email_index: str = ""
) -> int:
    """Art. 16: a corrected phone or email finds the person from now on (given ones only).

    Raises IntegrityError when another living subject holds the corrected phone: two people
    are one only when the DPO merges them (subjects.services.merge_subjects).
    """
    changes = {k: v for k, v in (("phone_index", phone_index), ("email_index", email_index)) if v}
    if not changes:
        return 0
    return Subject.objects.filter(pk__in=subject_ids, erased_at__isnull=True).update(**changes)
