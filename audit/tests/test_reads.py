"""Audited reads: the reason asked once per session, one event per subject shown, and the
DPO's trail of one subject."""

import json

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User

from audit.models import AuditEvent
from audit.reads import ACTION_VIEWED
from crm.tests.factories import make_lead, make_leads
from subjects.models import Subject

pytestmark = pytest.mark.django_db
LEADS = "/admin/capture/lead/"


@pytest.fixture
def boss(client):
    client.force_login(User.objects.create_superuser("boss", password="pw-for-tests-only"))
    return client


def _give_reason(client, next_url: str) -> None:
    asked = client.get(next_url)
    assert asked.status_code == 302 and asked["Location"].startswith("/staff/read-reason/")
    form = client.get(asked["Location"])
    assert b"Before you see personal data" in form.content
    answered = client.post(
        "/staff/read-reason/", {"reason": "call-back for ticket 42", "next": next_url}
    )
    assert answered.status_code == 302 and answered["Location"] == next_url


def test_the_lead_list_asks_a_reason_first_and_then_records_each_subject_shown(boss):
    leads = make_leads(3)
    assert not AuditEvent.objects.filter(action=ACTION_VIEWED).exists()  # nothing shown yet

    _give_reason(boss, LEADS)
    assert boss.get(LEADS).status_code == 200

    events = AuditEvent.objects.filter(action=ACTION_VIEWED)
    assert {e.subject_id for e in events} == {lead.subject_id for lead in leads}
    event = events.first()
    assert event.reason == "call-back for ticket 42"
    assert event.actor == f"staff:{User.objects.get(username='boss').pk}"
    assert {"name", "phone"} <= set(event.data["fields"])
    assert event.data["what"] == "admin list of leads"


def test_the_reason_is_asked_once_per_session(boss):
    make_leads(1)
    _give_reason(boss, LEADS)
    assert boss.get(LEADS).status_code == 200
    assert boss.get(LEADS).status_code == 200
    assert AuditEvent.objects.filter(action=ACTION_VIEWED).count() == 2


def test_opening_a_lead_records_its_subject_and_every_personal_field(boss):
    lead = make_lead()
    _give_reason(boss, f"{LEADS}{lead.pk}/change/")
    assert boss.get(f"{LEADS}{lead.pk}/change/").status_code == 200
    event = AuditEvent.objects.get(action=ACTION_VIEWED)
    assert event.subject_id == lead.subject_id and event.data["object_id"] == lead.pk
    assert {"name", "phone", "email", "message", "ip_address", "user_agent"} <= set(
        event.data["fields"]
    )


def test_a_search_by_phone_records_only_the_subjects_found(boss):
    found = make_lead(phone="+79031112233", email="found@example.com")
    make_lead(phone="+79034445566", email="other@example.com")
    _give_reason(boss, LEADS)
    boss.get(LEADS, {"q": "+7 903 111-22-33"})
    assert {e.subject_id for e in AuditEvent.objects.filter(action=ACTION_VIEWED)} == {
        found.subject_id
    }


def test_the_subject_admin_is_audited_too(boss):
    lead = make_lead()
    url = f"/admin/subjects/subject/{lead.subject_id}/change/"
    _give_reason(boss, url)
    boss.get(url)
    event = AuditEvent.objects.get(action=ACTION_VIEWED)
    assert event.subject_id == lead.subject_id and "phone_index" in event.data["fields"]


def test_the_dpo_sees_the_audit_trail_of_one_subject(client):
    dpo = User.objects.create_user("dora", password="pw-for-tests-only", is_staff=True)
    dpo.groups.add(Group.objects.get(name="dpo"))
    client.force_login(dpo)
    mine, other = make_lead(), make_lead(phone="+79035550000", email="anna@example.com")
    _give_reason(client, f"{LEADS}{mine.pk}/change/")
    client.get(f"{LEADS}{mine.pk}/change/")

    page = client.get("/desk/audit/", {"subject": mine.subject_id}).content.decode()

    assert "call-back for ticket 42" in page and "admin detail of lead" in page
    other_page = client.get("/desk/audit/", {"subject": other.subject_id}).content.decode()
    assert "call-back for ticket 42" not in other_page
    assert Subject.objects.count() == 2


def test_sales_cannot_open_the_audit_trail(client):
    sales = User.objects.create_user("sid", password="pw-for-tests-only", is_staff=True)
    sales.groups.add(Group.objects.get(name="sales"))
    client.force_login(sales)
    assert client.get("/desk/audit/", {"subject": 1}).status_code == 302


def test_the_consent_record_admin_is_audited_with_the_fields_it_shows(boss):
    lead = {"name": "Ivan Petrov", "phone": "+79161234567", "consent": True}
    response = boss.post("/api/v1/leads", json.dumps(lead), content_type="application/json")
    record = apps.get_model("consent", "ConsentRecord").objects.get()
    url = f"/admin/consent/consentrecord/{record.pk}/change/"
    _give_reason(boss, url)
    assert boss.get(url).status_code == 200
    event = AuditEvent.objects.get(action=ACTION_VIEWED)
    assert response.status_code == 201 and event.subject_id == record.subject_id
    assert {"ip_address", "user_agent"} <= set(event.data["fields"])
