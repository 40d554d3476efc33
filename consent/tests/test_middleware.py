import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from capture.forms import sign_render_time
from capture.tests.factories import CHROME_DESKTOP, lead_payload
from consent.models import AnalyticsClientId, ConsentRecord
from consent.state import COOKIE_NAME, decode_state

from .factories import GA_ID, changed_register

pytestmark = pytest.mark.django_db

GTAG = "https://www.googletagmanager.com/gtag/js"


def _accept(client: Client, **categories: bool) -> None:
    categories = categories or {"analytics": True, "booking": True}
    response = client.post(
        "/api/v1/consent", {"categories": categories}, content_type="application/json"
    )
    assert response.status_code == 200


def test_before_any_choice_the_page_loads_nothing_optional_and_shows_the_banner(client, settings):
    settings.GA_MEASUREMENT_ID = GA_ID
    response = client.get("/")
    html = response.content.decode()
    assert GTAG not in html
    # The CSP names the declared hosts (so a choice can load GA in place, without a reload);
    # what keeps GA out before consent is that no script of it is on the page.
    assert "lk-gtag" not in html and "cal.com/embed" not in html
    banner = re.search(r'<div id="lk-consent"[^>]*>', html).group(0)
    assert " hidden" not in banner
    assert "Cookie" in response["Vary"]


def test_consent_mode_defaults_are_the_first_script_on_every_page(client):
    html = client.get("/").content.decode()
    first_script = re.search(r"<script[^>]*>(.*?)</script>", html, re.S)
    assert 'nonce="' in first_script.group(0)
    defaults = first_script.group(1)
    assert 'gtag("consent","default"' in defaults
    for signal in ("ad_storage", "analytics_storage", "ad_user_data", "ad_personalization"):
        assert f'{signal}:"denied"' in defaults


def test_after_analytics_consent_gtag_loads_with_the_measurement_id(client, settings):
    settings.GA_MEASUREMENT_ID = GA_ID
    _accept(client, analytics=True, booking=False)
    response = client.get("/")
    html = response.content.decode()
    assert f'src="{GTAG}?id={GA_ID}"' in html
    assert 'gtag("consent","update",{analytics_storage:"granted"})' in html
    assert "https://www.googletagmanager.com" in response["Content-Security-Policy"]
    banner = re.search(r'<div id="lk-consent"[^>]*>', html).group(0)
    assert " hidden" in banner


def test_without_a_measurement_id_nothing_is_loaded_even_with_consent(client, settings):
    settings.GA_MEASUREMENT_ID = ""
    _accept(client)
    assert GTAG not in client.get("/").content.decode()


def test_a_malformed_measurement_id_never_reaches_the_page(client, settings):
    settings.GA_MEASUREMENT_ID = 'G-1"</script><script>alert(1)</script>'
    _accept(client)
    html = client.get("/").content.decode()
    assert GTAG not in html and "alert(1)" not in html


def test_a_register_change_lapses_earlier_choices_and_the_banner_asks_again(
    client, settings, tmp_path
):
    settings.GA_MEASUREMENT_ID = GA_ID
    _accept(client)
    settings.REGISTER_PATH = changed_register(tmp_path)
    response = client.get("/")
    html = response.content.decode()
    assert GTAG not in html
    assert " hidden" not in re.search(r'<div id="lk-consent"[^>]*>', html).group(0)
    assert '"lapsed": true' in html


def test_the_ga_client_id_is_kept_once_for_a_later_erasure(client, settings):
    settings.GA_MEASUREMENT_ID = GA_ID
    _accept(client, analytics=True)
    client.cookies["_ga"] = "GA1.1.1234567890.1700000000"
    first = client.get("/")
    assert COOKIE_NAME in first.cookies  # the state now remembers the id is stored
    second = client.get("/")
    assert COOKIE_NAME not in second.cookies
    client_id = AnalyticsClientId.objects.get()
    assert client_id.client_id == "1234567890.1700000000"
    assert str(client_id.consent_id) == str(
        decode_state(first.cookies[COOKIE_NAME].value).consent_id
    )


def test_google_analytics_cookies_without_consent_are_expired(client):
    client.cookies["_ga"] = "GA1.1.1.2"
    client.cookies["_gid"] = "GA1.1.3.4"
    response = client.get("/")
    assert response.cookies["_ga"]["max-age"] == 0
    assert response.cookies["_gid"]["max-age"] == 0
    assert "csrftoken" not in {k for k, v in response.cookies.items() if v["max-age"] == 0}


def test_the_contact_form_consent_is_linked_to_the_visitors_consent_id(client):
    _accept(client, analytics=False)
    consent_id = decode_state(client.cookies[COOKIE_NAME].value).consent_id
    with time_machine.travel(timezone.now() - timedelta(minutes=2), tick=False):
        rendered_at = sign_render_time()
    data = lead_payload(consent="on", website="", rendered_at=rendered_at)
    response = client.post("/contact/", data, HTTP_USER_AGENT=CHROME_DESKTOP)
    assert response.status_code == 302
    form = ConsentRecord.objects.get(kind="form")
    assert form.consent_id == consent_id
    assert ConsentRecord.objects.filter(kind="banner", consent_id=consent_id).exists()


def test_a_visitor_without_a_cookie_gets_one_that_finds_their_form_consent(client):
    with time_machine.travel(timezone.now() - timedelta(minutes=2), tick=False):
        rendered_at = sign_render_time()
    data = lead_payload(consent="on", website="", rendered_at=rendered_at)
    response = client.post("/contact/", data, HTTP_USER_AGENT=CHROME_DESKTOP)
    state = decode_state(response.cookies[COOKIE_NAME].value)
    assert not state.decided  # the banner still asks about cookies
    assert ConsentRecord.objects.get(kind="form").consent_id == state.consent_id


def test_pages_without_consent_work_do_not_set_the_consent_cookie(client):
    response = client.get("/privacy/")
    assert COOKIE_NAME not in response.cookies


def test_accepting_everything_never_grants_advertising_signals(client, settings):
    """Policy §6: we do not share personal data for advertising; Consent Mode's ad signals
    stay denied whatever the visitor accepts."""
    settings.GA_MEASUREMENT_ID = GA_ID
    _accept(client)
    html = client.get("/").content.decode()
    assert 'gtag("consent","update",{analytics_storage:"granted"})' in html
    for signal in ("ad_storage", "ad_user_data", "ad_personalization"):
        assert f'{signal}:"granted"' not in html
        assert f'{signal}:"denied"' in html
