"""The Cal.com calendar in real headless Chromium: nothing before consent, prefilled after."""

import pytest
from django.core import signing

from consent.models import ConsentRecord
from consent.tests.factories import lead_under

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMBED = "https://app.cal.com/embed/embed.js"


@pytest.fixture
def thanks(browser_page, settings, audit_head):
    settings.CALCOM_LINK = "kommoexpert/consultation"
    lead = lead_under(name="Ivan Petrov", email="ivan.petrov@example.com")
    return browser_page, f"/thanks/?t={signing.dumps(lead.pk, salt='capture.thanks')}"


def test_the_calendar_loads_only_after_click_to_load_and_is_prefilled(thanks):
    page, url = thanks
    page.goto(url)
    page.wait_for_load_state("load")
    assert not [u for u in page.third_party_requests if "cal.com" in u]
    assert page.get_by_text("Loading the calendar shares your name and email with Cal.com.")
    with page.expect_navigation():
        page.get_by_role("button", name="Load the calendar").click()
    page.wait_for_load_state("load")
    assert EMBED in page.third_party_requests
    queued = page.evaluate("Array.from(window.Cal.q, args => Array.from(args))")
    inline = next(args[1] for args in queued if args[0] == "inline")
    assert inline["calLink"] == "kommoexpert/consultation"
    assert inline["config"] == {"name": "Ivan Petrov", "email": "ivan.petrov@example.com"}
    record = ConsentRecord.objects.get(kind="banner")
    assert record.method == "booking click-to-load" and record.categories["booking"] is True
    assert record.categories["analytics"] is False


def test_after_withdrawing_booking_consent_the_calendar_is_gone(thanks):
    page, url = thanks
    page.goto(url)
    with page.expect_navigation():
        page.get_by_role("button", name="Load the calendar").click()
    page.goto("/privacy/consent/")
    page.get_by_role("button", name="Withdraw consent: Booking (Cal.com widget)").click()
    page.wait_for_url("**/privacy/consent/?done=saved")
    page.third_party_requests.clear()
    page.goto(url)
    page.wait_for_load_state("load")
    assert not [u for u in page.third_party_requests if "cal.com" in u]
    assert page.get_by_role("button", name="Load the calendar").is_visible()
