"""From the site to Kommo: a lead posted to the API reaches the local Kommo once."""

import json

import pytest
from django_tasks import default_task_backend

from capture.models import Lead
from capture.tests.factories import lead_payload
from crm.selectors import outbox_has_due_rows
from crm.tasks import deliver_due_outbox

pytestmark = pytest.mark.django_db


def _post(client) -> int:
    response = client.post(
        "/api/v1/leads",
        json.dumps(lead_payload()),
        content_type="application/json",
        REMOTE_ADDR="95.31.18.119",
    )
    assert response.status_code == 201
    return response.json()["id"]


def test_a_lead_posted_on_the_site_appears_in_kommo_exactly_once(
    client, kommo, django_capture_on_commit_callbacks
):
    default_task_backend.clear()
    with django_capture_on_commit_callbacks(execute=True):
        lead_id = _post(client)

    # Nothing per lead is enqueued: the scheduler wakes the delivery job, which runs twice
    # over here (a repeated run changes nothing).
    assert default_task_backend.results == []
    assert outbox_has_due_rows()
    for _ in range(2):
        deliver_due_outbox.call()
    assert not outbox_has_due_rows()

    kommo_lead = kommo.lead_by_marker(f"lk-{lead_id}")
    assert kommo.markers()[f"lk-{lead_id}"] == 1
    contact = kommo.contacts[kommo_lead["contact_ids"][0]]
    assert contact["name"] == "Ivan Petrov"
    assert contact["phones"] == ["+79161234567"] and contact["emails"] == [
        "ivan.petrov@example.com"
    ]
    assert "google / cpc" in kommo_lead["tags"]
    fields = {f["field_code"]: f["values"][0]["value"] for f in kommo_lead["custom_fields_values"]}
    assert fields["UTM_SOURCE"] == "google" and fields["UTM_CAMPAIGN"] == "kommo_autumn"
    assert Lead.objects.get(pk=lead_id).kommo_lead_id == kommo_lead["id"]
