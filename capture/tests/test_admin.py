"""Sales sees a lead's consent and delivery in words; a withdrawal or restriction in red."""

import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from audit.tests.factories import give_read_reason
from capture.tests.factories import request_context
from consent.models import ConsentRecord
from consent.services import withdraw_form_consent
from consent.tests.factories import lead_under

pytestmark = pytest.mark.django_db


@pytest.fixture
def sales_client(client):
    user = User.objects.create_user("sally", password="pw-sally-123", is_staff=True)
    user.groups.add(Group.objects.get(name="sales"))
    client.force_login(user)
    give_read_reason(client)  # staff pages that show a person's data ask why, once
    return client


def _withdrawn_lead():
    consent_id = uuid.uuid4()
    lead = lead_under(consent_id)
    grant = ConsentRecord.objects.get(lead=lead, action="grant")
    withdraw_form_consent(
        consent_id=consent_id, record_id=grant.pk, context=request_context(), method="page"
    )
    return lead


def test_a_lead_with_consent_says_given_and_when(sales_client):
    lead = lead_under(uuid.uuid4())
    page = sales_client.get(f"/admin/capture/lead/{lead.pk}/change/").content.decode()
    assert "given on" in page and "waiting for delivery" in page


def test_a_withdrawal_reads_in_red_on_the_list_and_the_detail(sales_client):
    lead = _withdrawn_lead()
    for url in ("/admin/capture/lead/", f"/admin/capture/lead/{lead.pk}/change/"):
        page = sales_client.get(url).content.decode()
        assert '<strong class="lk-stop">withdrawn on' in page, url
        assert "not to be sent: consent withdrawn" in page, url


def test_a_restricted_subject_reads_in_red(sales_client):
    lead = lead_under(uuid.uuid4())
    lead.subject.restricted_at = timezone.now()
    lead.subject.save(update_fields=["restricted_at"])
    page = sales_client.get("/admin/capture/lead/").content.decode()
    assert '<strong class="lk-stop">processing restricted since' in page


def test_the_admin_speaks_russian_to_a_russian_browser(sales_client):
    _withdrawn_lead()
    page = sales_client.get("/admin/capture/lead/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "отозвано" in page and "не отправляется: согласие отозвано" in page


def test_a_200_character_name_is_shortened_in_the_list(sales_client):
    lead_under(uuid.uuid4(), name="Я" * 200)
    page = sales_client.get("/admin/capture/lead/").content.decode()
    assert "Я" * 39 + "…" in page and "Я" * 41 not in page
