import csv
import io

import pytest
from django.contrib.auth.models import Group

from register.selectors import records_of_processing

pytestmark = pytest.mark.django_db


@pytest.fixture
def dpo_client(client, django_user_model):
    from leadkeeper.roles import sync_role_permissions

    sync_role_permissions()
    user = django_user_model.objects.create_user("dpo", password="pw-12345678", is_staff=True)
    user.groups.add(Group.objects.get(name="dpo"))
    client.force_login(user)
    return client


def test_records_follow_the_register():
    records = {r.purpose: r for r in records_of_processing()}
    kommo = records["Lead management in the Kommo CRM system"]
    assert kommo.legal_basis == "Consent of the data subject (GDPR Art. 6(1)(a))"
    assert any(r.startswith("Kommo CRM") for r in kommo.recipients)
    assert "Contact form data: 3 years from last interaction" in kommo.retention
    analytics = records["Web analytics with Google Analytics (only with your consent)"]
    assert any(r.startswith("Google Analytics") for r in analytics.recipients)
    # A consent-gated recipient never appears under a purpose that does not rest on its consent.
    quality = records["Improving website quality and user experience"]
    assert not any(r.startswith("Google Analytics") for r in quality.recipients)


def test_the_dpo_reads_and_exports_the_records(dpo_client):
    page = dpo_client.get("/desk/records/")
    assert page.status_code == 200
    assert "Records of processing activities" in page.content.decode()
    exported = dpo_client.get("/desk/records/?format=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0][0] == "purpose" and len(rows) == 1 + len(records_of_processing())
    data = dpo_client.get("/desk/records/?format=json").json()
    assert data["controller"]["privacy_email"] == "privacy@kommoexpert.ru"
    assert data["security_measures"]


def test_the_desk_is_closed_to_others(client, django_user_model):
    assert client.get("/desk/records/").status_code == 302  # to the login page
    user = django_user_model.objects.create_user("m", password="pw-12345678", is_staff=True)
    client.force_login(user)
    # Signed in without the DPO role: a page that says so, not a silent bounce to the login.
    assert client.get("/desk/records/").status_code == 403
    assert client.get("/desk/").status_code == 403


def test_a_register_text_cannot_smuggle_a_formula_into_the_records_csv(
    dpo_client, settings, tmp_path
):
    from register.loader import DEFAULT_PATH
    from register.services import publish_policy_version

    changed = tmp_path / "register.toml"
    title = "Lead management in the Kommo CRM system"
    changed.write_text(DEFAULT_PATH.read_text().replace(title, f"=cmd|' /C calc'!A0 {title}"))
    settings.REGISTER_PATH = str(changed)
    publish_policy_version()

    exported = dpo_client.get("/desk/records/?format=csv")
    purposes = [row[0] for row in csv.reader(io.StringIO(exported.content.decode()))]
    assert f"'=cmd|' /C calc'!A0 {title}" in purposes


def test_the_records_hold_every_item_of_article_30_1(dpo_client):
    """Art. 30(1)(a)-(g), item by item, in the export the DPO hands a supervisory authority."""
    from register.loader import get_register

    register = get_register()
    data = dpo_client.get("/desk/records/?format=json").json()
    records = {r["purpose"]: r for r in data["records"]}
    categories = {c.id: c for c in register.categories}
    rules = {r.id: r for r in register.retention}
    # (a) the name and contact details of the controller and of the data protection officer
    controller = data["controller"]
    assert controller["name"] == "KommoExpert" and controller["website"]
    assert controller["privacy_email"] and controller["dpo_email"]
    # (b) the purposes of the processing: every purpose, none invented
    assert set(records) == {p.title for p in register.purposes}
    for purpose in register.purposes:
        record = records[purpose.title]
        assert f"GDPR Art. {_article(register, purpose.legal_basis)}" in record["legal_basis"]
        # (c) the categories of data subjects and of personal data
        assert record["data_subjects"] == purpose.data_subjects != []
        assert record["data_categories"] == [categories[c].title for c in purpose.categories]
        # (d) the categories of recipients
        serving = [r for r in register.recipients if purpose.id in r.purposes]
        assert record["recipients"] == [f"{r.name} ({r.role})" for r in serving]
        # (e) transfers to a third country, with the documented safeguard
        abroad = [r for r in serving if r.outside_eea]
        assert len(record["transfers"]) == len(abroad)
        for recipient, transfer in zip(abroad, record["transfers"], strict=True):
            assert transfer.startswith(f"{recipient.name}: {recipient.country}")
            assert f"safeguard: {recipient.safeguard}" in transfer and recipient.safeguard
        # (f) the envisaged time limits for erasure of each category
        for category in purpose.categories:
            rule = rules[categories[category].retention]
            assert f"{rule.title}: {rule.description}" in record["retention"]
    assert any(r["transfers"] for r in data["records"])
    # (g) a general description of the technical and organisational security measures
    assert len(data["security_measures"]) >= 5
    assert any("encrypted at rest" in m for m in data["security_measures"])


def test_the_desk_lists_every_promise_with_the_tests_that_prove_it(dpo_client):
    from register.loader import get_register

    html = dpo_client.get("/desk/records/").content.decode()
    promises = get_register().promises
    assert promises
    for promise in promises:
        assert promise.text.replace("'", "&#x27;").replace('"', "&quot;") in html
        for node in promise.tests:
            assert f"<code>{node}</code>" in html
    assert "pending, not proven (awaiting operations)" in html


def _article(register, basis_id: str) -> str:
    return next(b.article for b in register.legal_bases if b.id == basis_id)
