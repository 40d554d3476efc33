"""The back office shows delivery states, Kommo ids, dead letters, and the pause."""

import pytest
from django.contrib.auth.models import Group, User

from crm.delivery import deliver_batch
from crm.pacing import pause_delivery

from .factories import lead_row, make_lead

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales_client(client):
    user = User.objects.create_user("sally", password="pw-sally-123", is_staff=True)
    user.groups.add(Group.objects.get(name="sales"))
    client.force_login(user)
    return client


def test_the_outbox_says_kommo_is_not_configured(sales_client, settings):
    settings.KOMMO_BASE_URL = settings.KOMMO_ACCESS_TOKEN = ""
    make_lead()
    page = sales_client.get("/admin/crm/outboxmessage/").content.decode()
    assert "Kommo not configured" in page and "Nothing is lost" in page


def test_the_outbox_shows_kommo_ids_and_dead_letter_reasons(sales_client, kommo):
    ok = make_lead()
    bad = make_lead(name="Reject Me", phone="+79990000000", email="")
    kommo.reject = lambda item: ("name", "refused by rule") if "Reject Me" in str(item) else None
    deliver_batch()
    ok.refresh_from_db()

    page = sales_client.get("/admin/crm/outboxmessage/").content.decode()
    assert str(ok.kommo_lead_id) in page
    assert "refused by rule" in page

    response = sales_client.post(
        "/admin/crm/outboxmessage/",
        {"action": "retry_now", "_selected_action": [lead_row(bad).pk]},
    )
    assert response.status_code == 302
    assert lead_row(bad).state == "pending"


def test_a_paused_connection_is_shown_and_staff_can_resume_it(sales_client, kommo):
    pause_delivery(reason="Kommo /api/v4/leads/complex answered 401: Unauthorized")
    page = sales_client.get("/admin/crm/outboxmessage/").content.decode()
    assert "paused" in page and "answered 401" in page

    sales_client.post("/admin/crm/kommostate/", {"action": "resume", "_selected_action": [1]})
    from crm.models import KommoState

    assert KommoState.objects.get(pk=1).paused_at is None
