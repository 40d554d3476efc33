"""Each right from POST /api/v1/rights-requests to the answer, through the worker and the
local doubles of Kommo, Cal.com and Google; asserting what each recipient received."""

from datetime import timedelta

import pytest
from django.utils import timezone

from capture.models import Lead
from integrations.calcom.client import CANCEL_BOOKING
from rights.models import RightsRequest, Step

from .conftest import Inbox, work
from .helpers import lead, links, post_request
from .recipients import PROPERTY_ID, booked, ga_client_id, in_kommo

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "ivan.petrov@example.com"


def _submit_and_confirm(client, smtp: Inbox, right: str) -> RightsRequest:
    reference = post_request(client, right=right, email=EMAIL)["reference"]
    work()  # the verification mail
    (verify,) = links(Inbox.body(smtp.to(EMAIL)[0]), "verify")
    assert client.post(verify).status_code == 200
    work()  # locate, the planned steps, the answer
    return RightsRequest.objects.get(reference=reference)


def _steps(request: RightsRequest) -> dict[str, Step]:
    return {f"{s.name}@{s.target}": s for s in request.steps.all()}


def test_an_erasure_reaches_kommo_calcom_and_google_and_each_has_its_line(
    client, smtp, db_tasks, kommo, calcom, google
):
    captured = lead(email=EMAIL)
    contact_id, kommo_lead_id = in_kommo(kommo, captured)
    upcoming = booked(calcom, captured, days=3)
    past = booked(calcom, captured, days=-20)
    client_id = ga_client_id(captured)

    request = _submit_and_confirm(client, smtp, "erasure")

    # Kommo: both records emptied and tagged, as one PATCH each.
    (contact_patch,) = [item for entity, item in kommo.patches if entity == "contacts"]
    assert contact_patch["name"] == ""
    assert {"field_code": "PHONE", "values": None} in contact_patch["custom_fields_values"]
    assert {"field_code": "EMAIL", "values": None} in contact_patch["custom_fields_values"]
    contact = kommo.contacts[contact_id]
    assert contact["phones"] == [] and contact["emails"] == [] and contact["name"] == ""
    assert "gdpr-erased" in contact["tags"]
    kommo_lead = kommo.leads[kommo_lead_id]
    assert kommo_lead["custom_fields_values"] == [] and "gdpr-erased" in kommo_lead["tags"]
    # Cal.com: the upcoming booking cancelled with a reason, the past one left to a person.
    (cancel,) = calcom.calls("POST", CANCEL_BOOKING.format(uid=upcoming))
    assert cancel.headers["cal-api-version"] == "2024-08-13"
    assert "Art. 17" in cancel.body["cancellationReason"]
    assert calcom.bookings[upcoming]["status"] == "cancelled"
    assert calcom.bookings[past]["status"] == "accepted"
    # Google: one upsert for the client id kept in the consent records.
    (deletion,) = google.deletions
    assert deletion["id"] == {"type": "CLIENT_ID", "userId": client_id}
    assert deletion["propertyId"] == PROPERTY_ID

    steps = _steps(request)
    assert steps[f"kommo.erase@contacts:{contact_id}"].state == Step.State.DONE
    assert steps[f"kommo.erase@leads:{kommo_lead_id}"].receipt["tag"] == "gdpr-erased"
    assert steps[f"calcom.cancel@{upcoming}"].state == Step.State.DONE
    ga = steps[f"google.user_deletion@{client_id}"]
    assert ga.state == Step.State.VENDOR_PENDING
    assert ga.receipt["deletionRequestTime"].startswith(deletion["deletionRequestTime"][:10])
    waiting = steps["calcom.past@past"]
    assert waiting.state == Step.State.WAITING and past in waiting.message
    assert "cannot erase past bookings" in waiting.message
    assert steps["local.erase@"].state == Step.State.DONE
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.REQUIRES_INPUT
    assert len(calcom.calls("POST", CANCEL_BOOKING.format(uid=upcoming))) == 1


def test_a_client_contract_is_restricted_in_kommo_not_erased_and_the_answer_says_why(
    client, smtp, db_tasks, kommo
):
    captured = lead(email=EMAIL)
    contact_id, kommo_lead_id = in_kommo(kommo, captured)
    Lead.objects.filter(pk=captured.pk).update(won_at=timezone.now() - timedelta(days=30))

    request = _submit_and_confirm(client, smtp, "erasure")

    assert request.status == RightsRequest.Status.COMPLETE
    assert {tuple(item) for _, item in kommo.patches} == {("id", "tags_to_add")}
    assert kommo.contacts[contact_id]["phones"] == [captured.phone]
    assert kommo.leads[kommo_lead_id]["tags"] == [f"lk-{captured.pk}", "gdpr-restricted"]
    step = request.steps.get(name="kommo.erase", target=f"leads:{kommo_lead_id}")
    assert "Art. 17(3)(b)" in step.message
    answer = Inbox.body(smtp.to(EMAIL)[-1])
    assert "17(3)(b)" in answer


def test_a_restriction_tags_kommo_and_stops_delivery(client, smtp, db_tasks, kommo):
    captured = lead(email=EMAIL)
    contact_id, kommo_lead_id = in_kommo(kommo, captured)

    request = _submit_and_confirm(client, smtp, "restriction")

    assert request.status == RightsRequest.Status.COMPLETE
    assert "gdpr-restricted" in kommo.contacts[contact_id]["tags"]
    assert "gdpr-restricted" in kommo.leads[kommo_lead_id]["tags"]
    assert kommo.contacts[contact_id]["name"] == captured.name  # kept, only tagged
    captured.subject.refresh_from_db()
    assert captured.subject.restricted_at is not None


def test_a_rectification_reaches_kommo_by_itself_once_the_correction_is_applied_here(
    client, smtp, db_tasks, kommo
):
    from rights.services.desk import apply_rectification

    captured = lead(email=EMAIL)
    contact_id, _ = in_kommo(kommo, captured)
    request = _submit_and_confirm(client, smtp, "rectification")
    assert request.status == RightsRequest.Status.REQUIRES_INPUT
    kommo_step = request.steps.get(name="kommo.rectify")
    assert kommo_step.state == Step.State.BLOCKED and "local.rectify" in kommo_step.message
    assert kommo.patches == []  # nothing is pushed before the correction is made here

    local = request.steps.get(name="local.rectify")
    apply_rectification(
        step_id=local.pk, name="Ivan Petrovsky", email="I.Petrovsky@Example.com", actor="dpo"
    )
    work()  # no retry pressed: the pipeline released kommo.rectify when local.rectify was done

    corrected = Lead.objects.get(pk=captured.pk)
    assert corrected.name == "Ivan Petrovsky" and corrected.email == "i.petrovsky@example.com"
    ((entity, patch),) = kommo.patches
    assert entity == "contacts" and patch["id"] == contact_id
    assert patch["name"] == "Ivan Petrovsky"
    assert kommo.contacts[contact_id]["name"] == "Ivan Petrovsky"
    assert kommo.contacts[contact_id]["emails"] == ["i.petrovsky@example.com"]
    kommo_step.refresh_from_db()
    assert kommo_step.state == Step.State.DONE and kommo_step.receipt["id"] == contact_id
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.COMPLETE


def test_unset_vendors_make_their_steps_wait_for_a_person(client, smtp, db_tasks, settings):
    settings.KOMMO_BASE_URL = settings.KOMMO_ACCESS_TOKEN = ""
    settings.CALCOM_API_KEY = settings.GA_PROPERTY_ID = settings.GA_SERVICE_ACCOUNT_FILE = ""
    captured = lead(email=EMAIL)
    Lead.objects.filter(pk=captured.pk).update(kommo_lead_id=71, kommo_contact_id=72)
    from booking.models import Booking

    from .recipients import ga_client_id as keep_client_id

    keep_client_id(captured)
    start = timezone.now() + timedelta(days=2)
    Booking.objects.create(
        uid="b-up",
        status="scheduled",
        start_time=start,
        end_time=start + timedelta(hours=1),
        email=EMAIL,
        email_index="x",
        subject=captured.subject,
        last_event_at=start,
    )

    request = _submit_and_confirm(client, smtp, "erasure")

    waiting = request.steps.filter(state=Step.State.WAITING)
    assert {s.name for s in waiting} == {"kommo.erase", "calcom.cancel", "google.user_deletion"}
    assert all("not configured" in s.message for s in waiting)
    assert request.status == RightsRequest.Status.REQUIRES_INPUT
