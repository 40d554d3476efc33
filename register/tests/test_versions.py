"""Policy versions a person can compare, and which changes ask for consent again."""

import re

import pytest

from register.loader import DEFAULT_PATH, consent_digest
from register.models import PolicyVersion
from register.selectors import current_policy_version
from register.services import publish_policy_version
from register.versions import compare_policies, policy_sections

pytestmark = pytest.mark.django_db

NEW_RECIPIENT = """
[[recipients]]
id = "hotjar"
name = "Hotjar Ltd."
role = "session recordings"
shares = ["interaction", "device"]
shares_text = "website behavior data"
when = "analytics"
hosts = ["script.hotjar.com"]
country = "Malta (EEA)"
purposes = ["web_analytics"]
outside_eea = false
"""


def _publish_changed(settings, tmp_path, text: str) -> PolicyVersion:
    path = tmp_path / "register.toml"
    path.write_text(text, encoding="utf-8")
    settings.REGISTER_PATH = str(path)
    return publish_policy_version()


def _register(old: str, new: str) -> str:
    text = DEFAULT_PATH.read_text(encoding="utf-8")
    assert old in text, old
    return text.replace(old, new, 1)


def _chosen_before_the_change(client) -> None:
    """The visitor accepts analytics through the banner's API, under the register as it is."""
    response = client.post(
        "/api/v1/consent",
        {"categories": {"analytics": True, "booking": False}},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert not _banner_asks(client)


def _banner_asks(client) -> bool:
    html = client.get("/").content.decode()
    banner = re.search(r'<div id="lk-consent"[^>]*>', html).group(0)
    return " hidden" not in banner


def test_sections_are_read_from_the_rendered_policy(client):
    sections = dict(policy_sections(client.get("/privacy/").content.decode()))
    assert "14 months" in " ".join(sections["5. Data Storage"])
    assert any(
        line.startswith("Kommo CRM (amoCRM)") for line in sections["6. Third-Party Data Sharing"]
    )


def test_a_line_changed_in_one_section_is_shown_removed_and_added():
    before = (
        "<article><h2>5. Storage</h2><ul><li>Analytics: 14 months</li><li>Same</li></ul></article>"
    )
    after = (
        "<article><h2>5. Storage</h2><ul><li>Analytics: 26 months</li><li>Same</li></ul></article>"
    )
    (change,) = compare_policies(before=before, after=after)
    assert (change.title, change.removed, change.added) == (
        "5. Storage",
        ["Analytics: 14 months"],
        ["Analytics: 26 months"],
    )
    assert compare_policies(before=before, after=before) == []


def test_a_version_page_shows_what_changed_section_by_section(client, settings, tmp_path):
    first = current_policy_version()
    second = _publish_changed(
        settings, tmp_path, _register('description = "14 months"', 'description = "26 months"')
    )
    html = client.get(f"/privacy/v/{second.number}/").content.decode()
    block = html[html.index('class="changes"') : html.index("</section>")]
    assert f"What changed in version {second.number} against version {first.number}" in block
    assert "<h4>5. Data Storage</h4>" in block
    assert "<del>Removed: Analytics data (cookies, IP): 14 months</del>" in block
    assert "<ins>Added: Analytics data (cookies, IP): 26 months</ins>" in block
    assert "3. Purposes" not in block  # unchanged sections are not listed
    first_html = client.get(f"/privacy/v/{first.number}/").content.decode()
    assert 'class="changes"' not in first_html  # nothing before the first version


def test_the_comparison_is_rendered_in_the_readers_language(client, settings, tmp_path):
    current_policy_version()
    # The Russian page reads the register's Russian twin: change both languages.
    changed = _register('description = "14 months"', 'description = "26 months"').replace(
        'description_ru = "14 месяцев"', 'description_ru = "26 месяцев"'
    )
    second = _publish_changed(settings, tmp_path, changed)
    html = client.get(f"/privacy/v/{second.number}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert re.search(r'<html lang="ru"', html)
    page_titles = re.findall(r"<h2>(5\. [^<]+)</h2>", html)
    assert page_titles and f"<h4>{page_titles[0]}</h4>" in html  # the diff speaks the page's words


def test_a_new_recipient_asks_visitors_to_consent_again(client, settings, tmp_path):
    _chosen_before_the_change(client)
    version = _publish_changed(settings, tmp_path, DEFAULT_PATH.read_text() + NEW_RECIPIENT)
    assert _banner_asks(client)
    html = client.get(f"/privacy/v/{version.number}/").content.decode()
    assert "visitors were asked to consent again" in html
    assert "Added: Hotjar Ltd. — session recordings." in html


def test_a_new_consent_based_purpose_asks_again(client, settings, tmp_path):
    _chosen_before_the_change(client)
    purpose = (
        '\n[[purposes]]\nid = "remarketing"\ntitle = "Remarketing"\nlegal_basis = "consent"\n'
        'categories = ["cookies"]\nconsent_category = "analytics"\n'
    )
    _publish_changed(settings, tmp_path, DEFAULT_PATH.read_text() + purpose)
    assert _banner_asks(client)


def test_a_longer_period_asks_again(client, settings, tmp_path):
    _chosen_before_the_change(client)
    _publish_changed(settings, tmp_path, _register("months = 14", "months = 26"))
    assert _banner_asks(client)


def test_a_wording_fix_keeps_earlier_consent(client, settings, tmp_path):
    _chosen_before_the_change(client)
    digest = consent_digest()
    fixed = _register(
        'role = "CRM system for managing leads and client communications"',
        'role = "CRM system that manages leads and client communications"',
    )
    version = _publish_changed(settings, tmp_path, fixed)
    assert version.number == 2  # the policy's text did change: a new version is published
    assert consent_digest() == digest and not _banner_asks(client)
    html = client.get(f"/privacy/v/{version.number}/").content.decode()
    assert "earlier choices stay valid" in html
    assert "Added: Kommo CRM (amoCRM) — CRM system that manages leads" in html


def test_banner_and_description_wording_is_not_material(settings, tmp_path):
    digest = consent_digest()
    _publish_changed(settings, tmp_path, _register("Always on.", "Always active."))
    assert consent_digest() == digest
