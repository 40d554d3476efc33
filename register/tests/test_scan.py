"""The browser scan: the live site, with every consent given, contacts only hosts and sets
only cookies that the register declares (DESIGN: one truth, provable).

Chromium walks the public pages as a visitor who accepts everything and books a call; every
request to another host is answered locally and recorded, and every cookie is read at the
end. Anything the register does not declare fails the test, naming itself.
"""

from fnmatch import fnmatch
from urllib.parse import urlsplit

import pytest
from django.core import signing

from capture.models import Lead
from register.loader import get_register

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GA_ID = "G-SCAN12345"


def _declared_hosts() -> list[str]:
    return [host for r in get_register().recipients for host in r.hosts]


def _declared_cookies() -> list[str]:
    return [c.name for c in get_register().cookies]


def _undeclared(names: set[str], patterns: list[str]) -> set[str]:
    return {name for name in names if not any(fnmatch(name, p) for p in patterns)}


def test_the_live_site_matches_the_register(browser_page, live_server, settings):
    settings.GA_MEASUREMENT_ID = GA_ID
    settings.CALCOM_LINK = "kommoexpert/consultation"
    settings.LEAD_MIN_FILL_SECONDS = 0
    page = browser_page

    page.goto("/?utm_source=scan&utm_medium=test")
    with page.expect_request(lambda r: "googletagmanager.com" in r.url):
        page.get_by_role("button", name="Accept all").click()  # loads in place, no reload
    # Google's script is answered locally; a stub sets the cookies gtag.js would set.
    page.evaluate(
        "document.cookie = '_ga=GA1.1.123.456; path=/';"
        f"document.cookie = '_ga_{GA_ID[2:]}=GS1.1.1; path=/'"
    )
    page.fill("#id_name", "Scan Person")
    page.fill("#id_phone", "+7 916 123-45-67")
    page.fill("#id_email", "scan@example.com")
    page.check("#id_consent")
    page.click("form[data-lead-form] button[type=submit]")
    page.wait_for_url("**/thanks/**")
    page.wait_for_load_state("load")
    for path in ("/privacy/", "/privacy/consent/", "/privacy/v/1/"):
        page.goto(path)

    hosts = {urlsplit(url).hostname for url in page.third_party_requests}
    assert hosts, "the scan saw no recipient at all: the gated scripts did not load"
    assert _undeclared(hosts, _declared_hosts()) == set()
    cookies = {c["name"] for c in page.context.cookies()}
    assert _undeclared(cookies, _declared_cookies()) == set()
    assert Lead.objects.count() == 1


def test_an_undeclared_host_would_be_caught():
    """The check itself works: a host outside the register is reported by name."""
    assert _undeclared({"www.googletagmanager.com", "evil.example"}, _declared_hosts()) == {
        "evil.example"
    }
    assert _undeclared({"_ga_ABC", "tracker"}, _declared_cookies()) == {"tracker"}


def test_the_thanks_page_with_booking_stays_within_the_register(browser_page, settings):
    from consent.tests.factories import lead_under

    settings.CALCOM_LINK = "kommoexpert/consultation"
    lead = lead_under(name="Scan Person", email="scan@example.com")
    page = browser_page
    page.goto(f"/thanks/?t={signing.dumps(lead.pk, salt='capture.thanks')}")
    with page.expect_navigation():
        page.get_by_role("button", name="Load the calendar").click()
    page.wait_for_load_state("load")
    hosts = {urlsplit(url).hostname for url in page.third_party_requests}
    assert "app.cal.com" in hosts
    assert _undeclared(hosts, _declared_hosts()) == set()


def _fill(thanks_token: str) -> "callable":
    from register.selectors import current_policy_version

    latest = current_policy_version().number
    return lambda path: path.format(thanks=thanks_token, latest=latest)


def _run_scan(chromium, live_server, settings, *, states=None, only=None):
    from consent.tests.factories import lead_under
    from register.tests.scan import consent_states, routed_pages, scan

    settings.GA_MEASUREMENT_ID = GA_ID
    settings.CALCOM_LINK = "kommoexpert/consultation"
    lead = lead_under(name="Scan Person", email="scan@example.com")
    paths, waiting = routed_pages(_fill(signing.dumps(lead.pk, salt="capture.thanks")))
    if only:
        paths = {name: path for name, path in paths.items() if name in only}
    states = [s for s in consent_states() if states is None or s.name in states]
    return scan(chromium, live_server.url, paths=paths, states=states, ga_id=GA_ID), waiting


def test_every_public_page_in_every_consent_state_matches_the_register(
    chromium, live_server, settings, capsys
):
    from register.tests.scan import consent_states, table

    visits, waiting = _run_scan(chromium, live_server, settings)
    with capsys.disabled():
        print("\n" + table(visits))
        for line in waiting:
            print(f"not scanned: {line}")
    assert [line for v in visits for line in v.undeclared] == []
    assert {v.state for v in visits} == {s.name for s in consent_states()}
    seen = {(v.page, v.state): v for v in visits}
    # The scan sees the gated recipients where consent allows them, and only there.
    assert "www.googletagmanager.com" in seen["landing", "all accepted"].hosts
    assert "www.googletagmanager.com" in seen["landing", "analytics only"].hosts
    assert "_ga" in seen["landing", "analytics only"].stored
    for state in ("none given", "all rejected", "booking only", "after withdrawal"):
        assert "www.googletagmanager.com" not in seen["landing", state].hosts
        assert "_ga" not in seen["landing", state].stored
    assert "lk_consent" in seen["policy", "all rejected"].stored


def test_removing_a_recipient_from_the_register_fails_the_scan_naming_it(
    chromium, live_server, settings, tmp_path
):
    from register.loader import DEFAULT_PATH
    from register.services import publish_policy_version

    text = DEFAULT_PATH.read_text(encoding="utf-8")
    start = text.index('[[recipients]]\nid = "google_analytics"')
    end = text.index("[[recipients]]", start + 1)
    without = tmp_path / "register.toml"
    without.write_text(text[:start] + text[end:], encoding="utf-8")
    settings.REGISTER_PATH = str(without)
    publish_policy_version()

    visits, _ = _run_scan(
        chromium, live_server, settings, states={"analytics only"}, only={"landing"}
    )
    problems = [line for v in visits for line in v.undeclared]
    assert (
        "page 'landing' in state 'analytics only' contacted www.googletagmanager.com, which "
        "the register does not declare for that state"
    ) in problems
