"""From POST /api/v1/rights-requests to the emailed answer, through SMTP and the db worker."""

import io
import json
import zipfile

import pytest

from capture.models import Lead
from rights.models import ErasedSubject, RightsRequest
from subjects.models import Subject

from .conftest import Inbox, work
from .helpers import lead, links, post_request

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "ivan.petrov@example.com"


def _confirm(client, smtp: Inbox) -> None:
    (mail,) = smtp.to(EMAIL)
    (verify,) = links(Inbox.body(mail), "verify")
    assert client.get(verify).status_code == 200
    assert client.post(verify).status_code == 200


def test_an_access_request_ends_with_a_report_link_in_the_answer(client, smtp, db_tasks):
    lead()
    reference = post_request(client, right="access", email="Ivan.Petrov@Example.com")["reference"]
    work()  # the verification mail
    _confirm(client, smtp)
    work()  # locate, the report, then the answer
    request = RightsRequest.objects.get(reference=reference)
    assert request.status == RightsRequest.Status.COMPLETE
    answer = smtp.to(EMAIL)[-1]
    assert reference in answer["Subject"]
    (download,) = links(Inbox.body(answer), "download")
    response = client.get(download)
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert set(archive.namelist()) == {"report.html", "data.json"}
    data = json.loads(archive.read("data.json"))
    assert data["data"]["leads"][0]["name"] == "Ivan Petrov"
    assert {r["name"] for r in data["recipients"]} >= {"Kommo CRM (amoCRM)", "Cal.com"}
    assert "Art. 22" in data["automated_decision_making"]
    assert "Ivan Petrov" in archive.read("report.html").decode()


def test_an_erasure_erases_here_and_keeps_only_blind_indexes(client, smtp, db_tasks):
    captured = lead()
    reference = post_request(client, right="erasure", email=EMAIL)["reference"]
    work()
    _confirm(client, smtp)
    work()
    request = RightsRequest.objects.get(reference=reference)
    assert request.status == RightsRequest.Status.COMPLETE
    assert "is complete" in smtp.to(EMAIL)[-1]["Subject"]
    request.refresh_from_db()
    assert request.email is None and request.email_index and request.personal_data_cleared_at
    anonymised = Lead.objects.get(pk=captured.pk)
    assert anonymised.subject_id is None and anonymised.email is None
    assert anonymised.name == "[erased]" and anonymised.utm_source == "google"
    assert Subject.objects.get(pk=captured.subject_id).erased_at is not None
    assert ErasedSubject.objects.filter(email_index=captured.email_index).exists()


def test_an_unknown_person_gets_the_same_path_and_an_answer_that_we_hold_nothing(
    client, smtp, db_tasks
):
    reference = post_request(client, right="access", email="nobody@example.org")["reference"]
    work()
    (mail,) = smtp.to("nobody@example.org")
    (verify,) = links(Inbox.body(mail), "verify")
    client.post(verify)
    work()
    assert RightsRequest.objects.get(reference=reference).status == "complete"
    assert "We hold no personal data" in Inbox.body(smtp.to("nobody@example.org")[-1])
