import importlib

import pytest
from django.apps import apps

from consent.models import WithdrawalRequest
from rights.models import RightsRequest

from .helpers import lead

pytestmark = pytest.mark.django_db

carry_over = importlib.import_module(
    "rights.migrations.0002_consent_withdrawals_become_rights_requests"
).carry_over


def test_existing_consent_withdrawals_become_withdrawal_requests_once():
    captured = lead()
    open_one = WithdrawalRequest.objects.create(subject_id=captured.subject_id, lead=captured)
    closed = WithdrawalRequest.objects.create(state="done")
    carry_over(apps, None)
    carry_over(apps, None)  # rerunnable: nothing doubles
    running = RightsRequest.objects.get(withdrawal_request_id=open_one.pk)
    assert running.right == "withdrawal" and running.status == "in_processing"
    assert running.steps.get().params == {"subject_id": captured.subject_id}
    assert RightsRequest.objects.get(withdrawal_request_id=closed.pk).status == "complete"
    assert RightsRequest.objects.count() == 2
