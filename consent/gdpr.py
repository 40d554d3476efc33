"""The rights desk's writes to consent proof (policy §7, GDPR Art. 7(3), 17)."""

from datetime import datetime

from django.db import transaction

from .models import AnalyticsClientId, ConsentRecord, WithdrawalRequest


@transaction.atomic
def erase_consent_proof(*, subject_ids: list[int]) -> dict[str, int]:
    """Delete these subjects' consent records and the GA client ids kept under them.

    The proof served the consent while it was relied on; after an erasure the request's own
    record (blind indexes only) is the proof that we answered (Art. 5(2)).
    """
    records, _ = ConsentRecord.objects.filter(subject_id__in=subject_ids).delete()
    client_ids, _ = AnalyticsClientId.objects.filter(subject_id__in=subject_ids).delete()
    return {"consent_records": records, "ga_client_ids": client_ids}


@transaction.atomic
def close_withdrawal_request(*, withdrawal_request_id: int, at: datetime) -> int:
    """The consent page's withdrawal is done: the rights request carried it out."""
    return WithdrawalRequest.objects.filter(
        pk=withdrawal_request_id, state=WithdrawalRequest.State.OPEN
    ).update(state=WithdrawalRequest.State.DONE, closed_at=at)
