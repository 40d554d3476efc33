"""The outcome mail tells the person what each step did, in the request's language."""

import pytest
from django.core import mail
from django.utils import timezone

from capture.models import Lead
from rights import steps as _registered  # noqa: F401 (the steps register themselves)
from rights.mail import DONE_LINES, send_request_mail
from rights.models import RightsRequest, Step
from rights.pipeline import STEPS

from .helpers import lead, run_steps, verified

pytestmark = pytest.mark.django_db


def test_every_step_the_pipeline_runs_has_a_line_for_the_person():
    told_elsewhere = {"locate", "complaint.route"}  # the mail's own paragraphs
    assert set(STEPS) - told_elsewhere == set(DONE_LINES)


@pytest.mark.parametrize(
    "language, expected, not_expected",
    [
        ("ru", "Ваши персональные данные, хранившиеся на этом сайте, удалены.", "erased"),
        ("en", "Your personal data held on this site was erased.", "subject record(s)"),
    ],
)
def test_an_erasure_outcome_is_told_in_the_requests_language(language, expected, not_expected):
    lead(email="ivan.petrov@example.com")
    request = verified("erasure")
    RightsRequest.objects.filter(pk=request.pk).update(language=language)
    run_steps(request)
    assert request.steps.get(name="local.erase").state == Step.State.DONE
    send_request_mail(request_id=request.pk, kind="outcome")
    body = mail.outbox[-1].body
    assert expected in body
    # The staff's record of the step (English, with counts) stays on the desk.
    assert not_expected not in body.split("\n", 3)[3]


def test_a_kept_client_contract_is_told_with_its_reason_in_russian():
    won = lead(email="ivan.petrov@example.com")
    Lead.objects.filter(pk=won.pk).update(won_at=timezone.now())  # a client contract
    request = verified("erasure")
    RightsRequest.objects.filter(pk=request.pk).update(language="ru")
    run_steps(request)
    assert request.steps.get(name="local.erase").receipt["leads_held"] == 1
    send_request_mail(request_id=request.pk, kind="outcome")
    body = mail.outbox[-1].body
    assert "кроме записей о вашем договоре" in body and "ст. 17(3)(b) GDPR" in body
