import csv
import io
import json
import uuid

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from audit.models import AuditEvent
from audit.tests.factories import give_read_reason
from consent.models import ConsentRecord, ConsentText, WithdrawalRequest
from consent.state import COOKIE_NAME, ConsentState, decode_state, encode_state

from .factories import lead_under

pytestmark = pytest.mark.django_db

PAGE = "/privacy/consent/"
DESK = "/desk/consent/"


def _state(client: Client) -> ConsentState:
    return decode_state(client.cookies[COOKIE_NAME].value)


def test_the_banner_works_without_javascript(client):
    client.get("/")
    digest = ConsentText.objects.get(kind="banner").digest
    response = client.post(
        PAGE, {"choice": "accept_all", "next": "/thanks/", "text_version": digest}
    )
    assert response.status_code == 302 and response["Location"] == "/thanks/"
    record = ConsentRecord.objects.get()
    assert record.method == "banner without script" and record.action == "grant"
    assert _state(client).effective == {"analytics", "booking"}


def test_saving_individual_categories_without_javascript(client):
    client.post(PAGE, {"choice": "save", "booking": "1"})
    assert _state(client).effective == {"booking"}
    assert ConsentRecord.objects.get().categories["analytics"] is False


def test_an_offsite_next_is_ignored(client):
    response = client.post(PAGE, {"choice": "reject_all", "next": "https://evil.test/"})
    assert response["Location"] == PAGE


def test_the_page_shows_current_choices_and_their_history(client):
    client.post(PAGE, {"choice": "accept_all"})
    html = client.get(PAGE).content.decode()
    assert html.count('value="withdraw"') == 2
    assert str(_state(client).consent_id) in html
    assert "cookie banner: granted" in html


def test_one_click_withdraws_one_category_and_clears_ga_cookies(client):
    client.post(PAGE, {"choice": "accept_all"})
    client.cookies["_ga"] = "GA1.1.5.6"
    response = client.post(PAGE, {"choice": "withdraw", "category": "analytics", "from": "page"})
    assert response["Location"] == f"{PAGE}?done=saved"
    assert response.cookies["_ga"]["max-age"] == 0
    assert _state(client).effective == {"booking"}
    assert ConsentRecord.objects.order_by("-pk").first().action == "withdraw"


def test_withdrawing_an_unknown_category_is_a_clear_error(client):
    response = client.post(PAGE, {"choice": "withdraw", "category": "advertising"})
    assert response.status_code == 400
    assert "advertising" in response.content.decode()


def test_a_visitor_withdraws_the_form_consent_of_their_lead_in_one_click(client):
    consent_id = uuid.uuid4()
    lead = lead_under(consent_id)
    client.cookies[COOKIE_NAME] = encode_state(ConsentState(consent_id=consent_id))
    page = client.get(PAGE).content.decode()
    assert 'value="withdraw_form"' in page
    grant = ConsentRecord.objects.get(lead=lead, action="grant")
    response = client.post(PAGE, {"choice": "withdraw_form", "record": grant.pk})
    assert response["Location"] == f"{PAGE}?done=form"
    request = WithdrawalRequest.objects.get()
    assert request.lead_id == lead.pk and request.state == "open"
    assert AuditEvent.objects.filter(action="consent.form.withdrawn").count() == 1
    assert 'value="withdraw_form"' not in client.get(PAGE).content.decode()


def test_the_page_is_in_russian_for_russian_visitors(client):
    html = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Ваши настройки приватности" in html and "Принять все" in html


# --- the DPO desk -----------------------------------------------------------------------


@pytest.fixture
def dpo(client: Client) -> Client:
    user = User.objects.create_user("dpo", password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name="dpo")[0])
    client.force_login(user)
    give_read_reason(client)
    return client


def test_the_desk_needs_a_login(client):
    response = client.get(DESK)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_desk_is_for_the_dpo_only(client):
    user = User.objects.create_user("sales", password="pw-for-tests-only")
    user.groups.add(Group.objects.get_or_create(name="sales")[0])
    client.force_login(user)
    # A page that says it belongs to another role (and links what sales may open).
    response = client.get(DESK)
    assert response.status_code == 403
    assert "/admin/capture/lead/" in response.content.decode()


def _history_with_lead() -> tuple[uuid.UUID, object]:
    from capture.tests.factories import request_context
    from consent.services import banner_consent_text, record_banner_choice

    consent_id = uuid.uuid4()
    state = record_banner_choice(
        state=ConsentState(consent_id=consent_id),
        granted={"analytics"},
        context=request_context(),
        method="banner",
        text=banner_consent_text(),
    ).state
    lead = lead_under(consent_id)
    record_banner_choice(
        state=state,
        granted=set(),
        context=request_context(),
        method="consent page",
        text=banner_consent_text(),
    )
    return consent_id, lead


def test_the_dpo_finds_a_subjects_history_by_exact_email(dpo):
    consent_id, lead = _history_with_lead()
    lead_under(uuid.uuid4(), phone="+79990001122", email="someone.else@example.com")
    html = dpo.get(DESK, {"q": "Ivan.Petrov@example.com"}).content.decode()
    assert "3 records for subject" in html
    assert str(consent_id) in html
    event = AuditEvent.objects.get(action="consent.history.viewed")
    assert event.subject_id == lead.subject_id and event.actor.startswith("staff:")


def test_the_dpo_finds_history_by_phone_and_by_consent_id(dpo):
    consent_id, _lead = _history_with_lead()
    assert "3 records" in dpo.get(DESK, {"q": "+7 916 123 45 67"}).content.decode()
    assert "3 records" in dpo.get(DESK, {"q": str(consent_id)}).content.decode()
    assert "No consent record matches" in dpo.get(DESK, {"q": str(uuid.uuid4())}).content.decode()
    assert (
        "No consent record matches" in dpo.get(DESK, {"q": "nobody@example.com"}).content.decode()
    )


def test_the_dpo_exports_the_history_as_csv(dpo):
    consent_id, lead = _history_with_lead()
    response = dpo.get(DESK, {"q": str(consent_id), "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["kind"], r["action"]) for r in rows] == [
        ("banner", "withdraw"),
        ("form", "grant"),
        ("banner", "grant"),
    ]
    form = next(r for r in rows if r["kind"] == "form")
    assert form["lead_id"] == str(lead.pk) and form["consent_id"] == str(consent_id)
    assert json.loads(form["categories"]) == {"contact_form": True}
    assert all(r["ip_address_truncated"].endswith(".0") for r in rows)
    assert "Ivan" not in response.content.decode()  # proof, not the lead's contact data
    assert AuditEvent.objects.filter(action="consent.history.exported").count() == 1


def test_the_dpo_exports_the_history_as_json_with_the_exact_texts(dpo):
    consent_id, lead = _history_with_lead()
    grant = ConsentRecord.objects.get(lead=lead)
    dpo.cookies[COOKIE_NAME] = encode_state(ConsentState(consent_id=consent_id))
    dpo.post(PAGE, {"choice": "withdraw_form", "record": grant.pk})
    body = json.loads(dpo.get(DESK, {"q": str(consent_id), "format": "json"}).content)
    assert body["consent_ids"] == [str(consent_id)]
    assert len(body["records"]) == 4
    digests = {t["digest"] for t in body["texts"]}
    assert {r["text_digest"] for r in body["records"]} == digests
    assert any("Accept all" in t["text"] for t in body["texts"])
    assert body["withdrawal_requests"][0]["lead_id"] == lead.pk


@pytest.mark.usefixtures("one_rate_window")
def test_a_flood_of_choices_without_javascript_is_limited_too(client):
    codes = [client.post(PAGE, {"choice": "reject_all"}).status_code for _ in range(31)]
    assert codes[:30] == [302] * 30 and codes[30] == 429
    assert ConsentRecord.objects.count() == 30


def test_the_desk_search_posts_so_an_email_stays_out_of_the_url(client, django_user_model):
    from django.contrib.auth.models import Group

    from leadkeeper.roles import sync_role_permissions

    sync_role_permissions()
    dpo = django_user_model.objects.create_user("dpo-post", password="pw-12345678", is_staff=True)
    dpo.groups.add(Group.objects.get(name="dpo"))
    client.force_login(dpo)
    give_read_reason(client)
    page = client.get("/desk/consent/").content.decode()
    assert '<form method="post" role="search">' in page
    response = client.post("/desk/consent/", {"q": "nobody@example.com"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("user_agent", ['=cmd|" /C calc"!A0', "+1+1", "-2+3", "@SUM(A1)"])
def test_a_user_agent_cannot_smuggle_a_formula_into_the_csv(dpo, user_agent):
    from capture.tests.factories import request_context
    from consent.services import banner_consent_text, record_banner_choice

    consent_id = uuid.uuid4()
    record_banner_choice(
        state=ConsentState(consent_id=consent_id),
        granted={"analytics"},
        context=request_context(user_agent=user_agent),
        method="banner",
        text=banner_consent_text(),
    )
    response = dpo.get(DESK, {"q": str(consent_id), "format": "csv"})
    (row,) = csv.DictReader(io.StringIO(response.content.decode()))
    assert row["user_agent"] == "'" + user_agent
