import uuid

import pytest
from django.utils import timezone

from consent.gdpr import close_withdrawal_request, erase_consent_proof
from consent.models import AnalyticsClientId, ConsentRecord, WithdrawalRequest
from consent.services import observe_ga_client_id

from .factories import lead_under

pytestmark = pytest.mark.django_db


def test_erasing_consent_proof_deletes_the_subjects_records_and_ga_client_ids_only():
    cookie = uuid.uuid4()
    ivan = lead_under(cookie)
    observe_ga_client_id(consent_id=cookie, client_id="111.222")
    maria = lead_under(phone="+79169876543", email="maria@example.com")

    counts = erase_consent_proof(subject_ids=[ivan.subject_id])

    assert counts == {"consent_records": 1, "ga_client_ids": 1}
    assert not ConsentRecord.objects.filter(subject_id=ivan.subject_id).exists()
    assert ConsentRecord.objects.filter(subject_id=maria.subject_id).count() == 1
    assert not AnalyticsClientId.objects.exists()


def test_a_consent_page_withdrawal_is_closed_once():
    captured = lead_under()
    opened = WithdrawalRequest.objects.create(subject=captured.subject, lead=captured)
    at = timezone.now()
    assert close_withdrawal_request(withdrawal_request_id=opened.pk, at=at) == 1
    assert close_withdrawal_request(withdrawal_request_id=opened.pk, at=at) == 0
    opened.refresh_from_db()
    assert opened.state == WithdrawalRequest.State.DONE and opened.closed_at == at
