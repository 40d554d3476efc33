"""The banner in real headless Chromium: what the browser requests and stores, choice by choice.

Every request to another host is intercepted and answered locally by the root conftest's
`browser_page` fixture, and recorded in `page.third_party_requests`.
"""

import os
from pathlib import Path

import pytest

from consent.models import AnalyticsClientId, ConsentRecord

from .factories import GA_ID

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NECESSARY = {"lk_consent", "csrftoken", "sessionid"}
GATED_HOSTS = ("google", "googletagmanager", "cal.com")


@pytest.fixture
def page(browser_page, settings, audit_head):
    settings.GA_MEASUREMENT_ID = GA_ID
    settings.CALCOM_LINK = "kommoexpert/consultation"
    return browser_page


def _cookies(page) -> set[str]:
    return {c["name"] for c in page.context.cookies()}


def _gated(page) -> list[str]:
    return [u for u in page.third_party_requests if any(h in u for h in GATED_HOSTS)]


def _gtag_requests(page) -> list[str]:
    return [u for u in page.third_party_requests if "googletagmanager.com/gtag/js" in u]


def test_before_consent_nothing_gated_is_requested_and_no_optional_cookie_is_set(page):
    page.goto("/")
    page.wait_for_selector("#lk-consent:not([hidden])")
    page.goto("/privacy/")
    page.goto("/privacy/consent/")
    assert page.third_party_requests == []
    assert _cookies(page) <= NECESSARY
    assert not ConsentRecord.objects.exists()


def _decided(page) -> None:
    """The choice applies in place: the banner closes, the page stays (no reload)."""
    page.wait_for_selector("#lk-consent", state="hidden")


def test_accept_all_loads_gtag_with_the_measurement_id(page):
    page.goto("/")
    page.evaluate("window.lkSamePage = true")
    with page.expect_request(lambda r: "googletagmanager.com/gtag/js" in r.url):
        page.get_by_role("button", name="Accept all").click()
    _decided(page)
    assert page.evaluate("window.lkSamePage") is True  # loaded in place, not reloaded
    assert _gtag_requests(page) == [f"https://www.googletagmanager.com/gtag/js?id={GA_ID}"]
    assert page.locator("#lk-consent").is_hidden()
    record = ConsentRecord.objects.get()
    assert record.action == "grant" and record.method == "banner"
    assert record.categories == {"necessary": True, "analytics": True, "booking": True}
    assert "lk_consent" in _cookies(page)


def test_withdrawal_stops_gtag_on_the_next_page_and_deletes_the_ga_cookies(page, live_server):
    page.goto("/")
    page.get_by_role("button", name="Accept all").click()
    _decided(page)
    # What gtag.js would have stored: host-only, domain-wide and path-scoped variants.
    page.context.add_cookies(
        [
            {"name": "_ga", "value": "GA1.1.987654321.1700000000", "url": live_server.url},
            {"name": "_ga_TEST12345", "value": "GS1.1.1700000000.1.0", "url": live_server.url},
            {"name": "_gid", "value": "GA1.1.5.6", "domain": "localhost", "path": "/"},
            {"name": "_ga", "value": "GA1.1.1.2", "url": f"{live_server.url}/privacy/"},
        ]
    )
    page.goto("/privacy/consent/")
    page.get_by_role("button", name="Withdraw consent: Analytics (Google Analytics)").click()
    page.wait_for_url("**/privacy/consent/?done=saved")
    page.third_party_requests.clear()
    page.goto("/")
    page.wait_for_load_state("load")
    assert _gtag_requests(page) == []
    assert not {name for name in _cookies(page) if name.startswith("_g")}
    assert ConsentRecord.objects.order_by("-pk").first().action == "withdraw"
    assert AnalyticsClientId.objects.filter(client_id="987654321.1700000000").exists()


def test_withdrawal_from_the_reopened_banner_clears_ga_cookies_in_the_page(page, live_server):
    page.goto("/")
    page.get_by_role("button", name="Accept all").click()
    _decided(page)
    page.evaluate("document.cookie = '_ga=GA1.1.42.1700000000; path=/'")
    page.get_by_role("link", name="Cookie settings").click()
    page.wait_for_selector("#lk-consent:not([hidden])")
    page.get_by_role("button", name="Reject all").click()
    _decided(page)
    page.third_party_requests.clear()
    page.goto("/privacy/")
    assert _gtag_requests(page) == []
    assert "_ga" not in _cookies(page)
    assert [r.action for r in ConsentRecord.objects.order_by("pk")] == ["grant", "withdraw"]
    assert ConsentRecord.objects.order_by("pk").last().method == "cookie settings"


def test_reject_all_leaves_only_strictly_necessary_cookies(page):
    page.goto("/")
    page.get_by_role("button", name="Reject all").click()
    page.wait_for_selector("#lk-consent", state="hidden")
    page.goto("/")
    page.goto("/privacy/consent/")
    assert _gated(page) == []
    assert "lk_consent" in _cookies(page) and _cookies(page) <= NECESSARY
    assert ConsentRecord.objects.get().action == "refuse"
    assert page.locator("#lk-consent").is_hidden()  # the choice is remembered


def test_the_banner_is_operable_with_the_keyboard_alone(page):
    page.goto("/")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Accept all":
            break
    else:
        pytest.fail("Accept all is not reachable with Tab near the start of the page")
    page.keyboard.press("Enter")
    _decided(page)
    assert ConsentRecord.objects.get().action == "grant"
    # Reopen from the footer, close with Escape: focus goes back where it was.
    page.get_by_role("link", name="Cookie settings").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#lk-consent:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "lk-consent"
    page.keyboard.press("Escape")
    assert page.locator("#lk-consent").is_hidden()
    assert page.evaluate("document.activeElement.textContent.trim()") == "Cookie settings"


def test_per_category_choice_loads_only_what_was_chosen(page):
    page.goto("/")
    page.get_by_text("Choose categories").click()
    page.get_by_role("switch", name="Booking (Cal.com widget)").check()
    page.get_by_role("button", name="Save my choices").click()
    _decided(page)
    assert _gtag_requests(page) == []
    assert ConsentRecord.objects.get().categories["booking"] is True


def test_the_banner_speaks_russian_and_is_labelled_for_screen_readers(page):
    page.set_extra_http_headers({"Accept-Language": "ru-RU,ru;q=0.9"})
    page.goto("/")
    dialog = page.get_by_role("dialog", name="Ваши настройки приватности")
    assert dialog.is_visible()
    assert page.get_by_role("button", name="Принять все").is_visible()
    assert page.get_by_role("button", name="Отклонить все").is_visible()
    page.get_by_role("button", name="Отклонить все").click()
    page.wait_for_selector("#lk-consent", state="hidden")
    assert ConsentRecord.objects.get().text.language == "ru"


SHOTS = [("en", 1280, 800), ("en", 390, 844), ("ru", 1280, 800), ("ru", 390, 844)]


@pytest.mark.parametrize(("language", "width", "height"), SHOTS)
def test_accept_and_reject_are_equally_prominent_and_the_banner_fits(
    page, tmp_path, language, width, height
):
    """Writes docs/ screenshots when LK_SCREENSHOTS_DIR is set (see docs/consent.md)."""
    page.set_viewport_size({"width": width, "height": height})
    page.set_extra_http_headers({"Accept-Language": language})
    page.goto("/")
    box = page.locator("#lk-consent .lkc-box").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert box["y"] >= 0 and box["y"] + box["height"] <= height
    accept, reject = (
        page.locator("button[value=accept_all]"),
        page.locator("button[value=reject_all]"),
    )
    a, r = accept.bounding_box(), reject.bounding_box()
    assert (round(a["width"]), round(a["height"])) == (round(r["width"]), round(r["height"]))
    style = "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
    assert accept.evaluate(style) == reject.evaluate(style)
    directory = Path(os.environ.get("LK_SCREENSHOTS_DIR") or tmp_path)
    kind = "desktop" if width > 600 else "mobile"
    if kind == "mobile":
        page.get_by_text("Choose categories" if language == "en" else "Выбрать категории").click()
    page.screenshot(path=directory / f"consent-banner-{language}-{kind}.png")
