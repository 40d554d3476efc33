"""Art. 17 locally: delete, or anonymise where an aggregate needs the row; legal holds kept."""

from django.utils import timezone

from ..models import ErasedSubject, Right
from ..pipeline import Outcome, RightsStep, StepRun, register_step
from ..stores import erase_subjects, legal_hold_lead_ids, subject_indexes


def ledger_entries(*, subject_ids: list[int], held: list[int], request_id: int | None) -> int:
    """Remember the erased as blind indexes only, so a restored backup can be erased again."""
    rows = [
        ErasedSubject(phone_index=phone, email_index=email, request_id=request_id)
        for phone, email in subject_indexes(subject_ids=subject_ids, held_lead_ids=held)
    ]
    ErasedSubject.objects.bulk_create(rows)
    return len(rows)


@register_step(Right.ERASURE)
class EraseLocally(RightsStep):
    """Runs once all the steps that read our copy (vendor ids, GA client ids) are planned:
    they took what they need into their params when the subject was located."""

    name = "local.erase"
    stage = 2

    def execute(self, run: StepRun) -> Outcome:
        now = timezone.now()
        held = legal_hold_lead_ids(subject_ids=run.subject_ids, now=now)
        ledger = ledger_entries(subject_ids=run.subject_ids, held=held, request_id=run.request.pk)
        counts = erase_subjects(subject_ids=run.subject_ids, keep_lead_ids=held, at=now)
        counts["ledger_entries"] = ledger
        counts["leads_held"] = len(held)
        message = f"erased {counts['subjects_erased']} subject record(s) here"
        if held:
            # Art. 17(3)(b): accounting law requires the contract records for 5 years.
            message += (
                f"; {len(held)} client contract record(s) kept for accounting "
                "(5 years, Art. 17(3)(b)) and restricted instead"
            )
        return Outcome.done(counts, message)
