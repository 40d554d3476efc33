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
    assert client.get("/desk/records/").status_code == 302
    assert client.get("/desk/").status_code == 302


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
