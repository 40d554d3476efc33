import re

import pytest

from register.errors import PolicyNotPublished
from register.models import PolicyVersion
from register.selectors import current_policy_version
from register.services import publish_policy_version

pytestmark = pytest.mark.django_db


def test_policy_has_sections_one_to_nine_without_a_gap(client):
    html = client.get("/privacy/").content.decode()
    numbers = [int(n) for n in re.findall(r"<h2>(\d)\. ", html)]
    assert numbers == list(range(1, 10))
    assert "Last updated: March 13, 2026" in html
    assert "version 1" in html


def test_policy_lists_what_the_register_declares(client):
    html = client.get("/privacy/").content.decode()
    for text in (
        "Kommo CRM (amoCRM)",
        "Cal.com",
        "Google Analytics (Google LLC)",
        "Cloudflare, Inc.",
        "3 years from last interaction",
        "14 months",
        "5 years after contract completion",
        "GDPR Art. 6(1)(a)",
        "GDPR Art. 6(1)(f)",
        "<code>lk_consent</code>",
        "privacy@kommoexpert.ru",
    ):
        assert text in html


def test_a_changed_register_publishes_a_new_version_and_keeps_the_old(client, settings, tmp_path):
    from register.loader import DEFAULT_PATH

    first = current_policy_version()
    changed = tmp_path / "register.toml"
    changed.write_text(DEFAULT_PATH.read_text().replace("months = 14", "months = 13"))
    settings.REGISTER_PATH = str(changed)
    with pytest.raises(PolicyNotPublished, match="has no published policy version"):
        current_policy_version()  # reading never publishes
    publish_policy_version()

    html = client.get("/privacy/").content.decode()
    assert "version 2" in html and "13" in html
    old = client.get(f"/privacy/v/{first.number}/").content.decode()
    assert "no longer current" in old and "14 months" in old
    assert PolicyVersion.objects.count() == 2
    assert client.get("/privacy/v/99/").status_code == 404


def test_pages_carry_a_csp_built_from_the_register(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    # Consent-gated hosts are declared, so allowed: the banner loads GA in place after
    # consent; an undeclared host never is.
    assert "https://www.googletagmanager.com" in csp
    assert "evil.example" not in csp and "'unsafe-inline'" not in csp
    assert "challenges.cloudflare.com" in csp  # always-on recipient host


def test_no_page_requests_a_third_party_asset(client):
    for url in ("/", "/privacy/", "/thanks/"):
        html = client.get(url).content.decode()
        assert not re.search(
            r'(src|href)="https?://', html.replace('href="https://kommoexpert.ru"', "")
        )


def test_the_policy_names_every_right_the_authority_and_the_contact(client):
    html = client.get("/privacy/").content.decode()
    for article in ("15", "16", "17", "18", "20", "21", "7(3)", "77"):
        assert f"(Art. {article})" in html
    assert "supervisory authority of your EU/EEA member state" in html
    assert "Company: KommoExpert" in html
    assert 'href="mailto:privacy@kommoexpert.ru"' in html
    assert 'href="https://kommoexpert.ru"' in html


def test_the_policy_reads_russian_to_a_russian_browser(client):
    html = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert '<html lang="ru">' in html
    assert "<h1>Политика конфиденциальности</h1>" in html
    assert "Последнее обновление: 13 марта 2026 г." in html  # not "Март 13, 2026"
    assert "Ведение заявок в системе Kommo CRM" in html and "ООО «КоммоЭксперт»" in html
    assert "Privacy Policy" not in html


def test_the_policy_is_publishable_as_it_stands(client):
    html = client.get("/privacy/").content.decode()
    assert "template" not in html.lower() and "Consult a lawyer" not in html
    assert "lead management in the kommo crm system" not in html  # names keep their case
    assert "Lead management in the Kommo CRM system" in html
    assert "on the your choices page" not in html
    assert "KommoExpert LLC" in html and "Postal address:" in html and "OGRN" in html


def test_the_cookie_table_names_the_language_cookie_and_categories_in_words(client):
    html = client.get("/privacy/").content.decode()
    assert "<code>django_language</code>" in html
    assert 'data-label="Category">Strictly necessary<' in html


def test_the_language_switch_remembers_the_choice_in_a_declared_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "ru", "next": "/privacy/"})
    assert response.status_code == 302 and response["Location"] == "/privacy/"
    assert response.cookies["django_language"].value == "ru"
    html = client.get("/privacy/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="ru">' in html and 'value="en"' in html  # switch offers English back
