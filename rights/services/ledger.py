"""The erasure ledger replayed after a backup restore (the idea of django-gdpr-assist)."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.services import record_event

from ..models import ErasedSubject
from ..stores import erase_subjects, legal_hold_lead_ids, live_subject_ids, subject_ids_for


@dataclass(frozen=True)
class ReplayReport:
    entries: int
    subjects_found: int
    subjects_erased: int
    subjects_held: int


def replay_erasures(*, actor: str = "manage.py rights replay-erasures") -> ReplayReport:
    """Erase again every subject the ledger names that a restore brought back."""
    found = erased = held = 0
    entries = ErasedSubject.objects.order_by("pk")
    now = timezone.now()
    for entry in entries.iterator():
        with transaction.atomic():
            ids = [
                pk
                for pk in subject_ids_for(
                    email_index=entry.email_index, phone_index=entry.phone_index
                )
            ]
            ids = _live(ids)
            if not ids:
                continue
            found += len(ids)
            keep = legal_hold_lead_ids(subject_ids=ids, now=now)
            counts = erase_subjects(subject_ids=ids, keep_lead_ids=keep, at=now)
            erased += counts["subjects_erased"]
            held += counts["subjects_held"]
            record_event(
                actor=actor,
                action="rights.erasure.replayed",
                obj=entry,
                reason="an erasure re-applied after a restore (Art. 17)",
                data=counts,
            )
    return ReplayReport(entries.count(), found, erased, held)


def _live(subject_ids: list[int]) -> list[int]:
    return live_subject_ids(subject_ids=subject_ids)
