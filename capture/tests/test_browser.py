"""The contact form in real headless Chromium: typed, submitted, stored with its campaign."""

import pytest

from capture.models import Lead

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_from_a_campaign_submits_the_form(browser_page, settings):
    settings.LEAD_MIN_FILL_SECONDS = 0  # a person takes longer; the test need not wait
    page = browser_page
    page.goto("/?utm_source=Google&utm_medium=cpc&utm_campaign=kommo_autumn&gclid=abc123")
    page.get_by_role("button", name="Reject all").click()  # the visitor answers the banner
    page.fill("#id_name", "Ivan Petrov")
    page.fill("#id_phone", "+7 916 123-45-67")
    page.fill("#id_email", "ivan@example.com")
    page.check("#id_consent")
    page.click("form[data-lead-form] button[type=submit]")
    page.wait_for_url("**/thanks/**")
    assert "Thank you, Ivan Petrov!" in page.content()

    lead = Lead.objects.get()
    assert (lead.utm_source, lead.utm_medium, lead.utm_campaign, lead.gclid) == (
        "google",
        "cpc",
        "kommo_autumn",
        "abc123",
    )
    assert lead.landing_page.startswith("http://") and "utm_source=Google" in lead.landing_page
    assert "Chrome" in lead.browser and lead.device_type == "desktop"
    assert page.third_party_requests == []  # no page asked any other host for anything


def test_missing_consent_keeps_what_was_typed(browser_page, settings):
    settings.LEAD_MIN_FILL_SECONDS = 0
    page = browser_page
    page.goto("/")
    page.get_by_role("button", name="Reject all").click()
    page.fill("#id_name", "Anna")
    page.fill("#id_phone", "12")
    page.click("form[data-lead-form] button[type=submit]")
    page.wait_for_selector(".errorlist")
    text = page.inner_text("#contact")
    assert "Please agree" in text and "phone number" in text
    assert page.input_value("#id_name") == "Anna"
    assert Lead.objects.count() == 0


def test_screenshots_of_the_form_at_desktop_and_mobile_widths(
    browser_page, settings, screenshots_dir
):
    settings.LEAD_MIN_FILL_SECONDS = 0
    page = browser_page
    for name, width, height in (("form-desktop", 1280, 900), ("form-mobile", 390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto("/#contact")
        if page.get_by_role("button", name="Reject all").is_visible():
            page.get_by_role("button", name="Reject all").click()
        page.fill("#id_name", "Ivan Petrov")
        page.fill("#id_phone", "12")
        page.click("form[data-lead-form] button[type=submit]")  # show the errors, as a person would
        page.wait_for_selector(".errorlist")
        path = screenshots_dir / f"{name}.png"
        page.screenshot(path=str(path), full_page=(name == "form-desktop"))
        assert path.stat().st_size > 10_000
