import pytest
from django.core import signing
from django.test import Client

from consent.tests.factories import lead_under

pytestmark = pytest.mark.django_db

LINK = "kommoexpert/consultation"


@pytest.fixture
def thanks_url() -> str:
    lead = lead_under(name="Ivan Petrov", email="ivan.petrov@example.com")
    return f"/thanks/?t={signing.dumps(lead.pk, salt='capture.thanks')}"


def _grant_booking(client: Client) -> None:
    client.post(
        "/api/v1/consent",
        {"categories": {"booking": True}},
        content_type="application/json",
    )


def test_before_booking_consent_only_a_click_to_load_card_is_shown(client, settings, thanks_url):
    settings.CALCOM_LINK = LINK
    response = client.get(thanks_url)
    html = response.content.decode()
    assert "Loading the calendar shares your name and email with Cal.com." in html
    assert 'data-consent-grant="booking"' in html
    assert "cal.com/embed" not in html and "booking/calcom.js" not in html
    assert "data-email" not in html


def test_after_booking_consent_the_calendar_is_prefilled_with_name_and_email(
    client, settings, thanks_url
):
    settings.CALCOM_LINK = LINK
    _grant_booking(client)
    response = client.get(thanks_url)
    html = response.content.decode()
    assert f'data-cal-link="{LINK}"' in html
    assert 'data-name="Ivan Petrov"' in html and 'data-email="ivan.petrov@example.com"' in html
    assert "booking/calcom.js" in html
    assert "https://app.cal.com" in response["Content-Security-Policy"]


def test_click_to_load_without_javascript_records_booking_consent_and_returns(
    client, settings, thanks_url
):
    settings.CALCOM_LINK = LINK
    response = client.post(
        "/privacy/consent/", {"choice": "grant", "category": "booking", "next": thanks_url}
    )
    assert response["Location"] == thanks_url
    from consent.models import ConsentRecord

    record = ConsentRecord.objects.get(kind="banner")
    assert record.method == "booking click-to-load"
    assert record.categories == {"necessary": True, "analytics": False, "booking": True}
    assert 'id="lk-cal"' in client.get(thanks_url).content.decode()


def test_without_a_cal_com_link_there_is_no_booking_section(client, settings, thanks_url):
    settings.CALCOM_LINK = ""
    _grant_booking(client)
    assert "booking-title" not in client.get(thanks_url).content.decode()


def test_a_malformed_cal_com_link_is_not_put_into_the_page(client, settings, thanks_url):
    settings.CALCOM_LINK = 'x" onload="alert(1)'
    _grant_booking(client)
    html = client.get(thanks_url).content.decode()
    assert "booking-title" not in html and "alert(1)" not in html


def test_the_card_is_in_russian_for_russian_visitors(client, settings, thanks_url):
    settings.CALCOM_LINK = LINK
    html = client.get(thanks_url, HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Загрузить календарь" in html


def test_the_thank_you_page_says_where_to_withdraw_consent(client, settings, thanks_url):
    settings.CALCOM_LINK = ""
    html = client.get(thanks_url).content.decode()
    assert 'href="/privacy/consent/"' in html and "withdraw your consent" in html
