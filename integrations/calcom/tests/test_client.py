from datetime import UTC, datetime, timedelta

import httpx
import pytest

from integrations.calcom.client import API_VERSION, CalcomClient
from integrations.calcom.errors import (
    CalcomError,
    CalcomRateLimited,
    CalcomRejected,
    CalcomUnauthorized,
    CalcomUnavailable,
)

EMAIL = "person@example.com"


def _soon(days: int = 1) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def test_cancel_booking_cancels_at_calcom_with_the_reason_and_version_header(calcom, calcom_client):
    uid = calcom.add_booking(email=EMAIL, start=_soon())

    booking = calcom_client.cancel_booking(uid, reason="GDPR Art. 17 erasure request")

    assert booking.uid == uid
    assert booking.cancelled
    assert calcom.bookings[uid]["status"] == "cancelled"
    (call,) = calcom.calls("POST", f"/v2/bookings/{uid}/cancel")
    assert call.body == {"cancellationReason": "GDPR Art. 17 erasure request"}
    assert call.headers["cal-api-version"] == API_VERSION
    assert call.headers["authorization"] == "Bearer cal_test_key"


def test_bookings_for_attendee_returns_only_their_upcoming_bookings(calcom, calcom_client):
    upcoming = calcom.add_booking(email=EMAIL, start=_soon())
    calcom.add_booking(email=EMAIL, start=_soon(-10))  # past
    calcom.add_booking(email=EMAIL, start=_soon(2), status="cancelled")
    calcom.add_booking(email="someone@example.com", start=_soon())

    bookings = calcom_client.bookings_for_attendee(EMAIL)

    assert [b.uid for b in bookings] == [upcoming]
    assert bookings[0].attendees[0].email == EMAIL
    assert bookings[0].start.tzinfo is not None
    (call,) = calcom.calls("GET", "/v2/bookings")
    assert call.query["attendeeEmail"] == EMAIL
    assert call.query["status"] == "upcoming"


def test_bookings_for_attendee_walks_every_page(calcom, calcom_client, monkeypatch):
    monkeypatch.setattr("integrations.calcom.client.PAGE_SIZE", 2)
    uids = {calcom.add_booking(email=EMAIL, start=_soon(d)) for d in range(1, 6)}

    bookings = calcom_client.bookings_for_attendee(EMAIL)

    assert {b.uid for b in bookings} == uids
    assert [c.query["skip"] for c in calcom.calls("GET", "/v2/bookings")] == ["0", "2", "4"]


def test_booking_reads_one_booking_so_a_timed_out_cancel_can_be_checked(calcom, calcom_client):
    uid = calcom.add_booking(email=EMAIL, start=_soon())
    calcom.bookings[uid]["status"] = "cancelled"

    assert calcom_client.booking(uid).cancelled


def test_a_wrong_api_key_is_unauthorized_and_the_error_names_no_email(calcom):
    with (
        CalcomClient(api_key="cal_wrong", base_url=calcom.url) as client,
        pytest.raises(CalcomUnauthorized, match=r"401.*UnauthorizedException") as caught,
    ):
        client.bookings_for_attendee(EMAIL)
    assert EMAIL not in str(caught.value)


def test_429_is_rate_limited_with_retry_after(calcom, calcom_client):
    calcom.fail_next.append(429)

    with pytest.raises(CalcomRateLimited) as caught:
        calcom_client.bookings_for_attendee(EMAIL)

    assert caught.value.retry_after == 7.0


def test_5xx_is_unavailable(calcom, calcom_client):
    calcom.fail_next.append(503)

    with pytest.raises(CalcomUnavailable) as caught:
        calcom_client.cancel_booking("uid1", reason="erasure")

    assert caught.value.status == 503


def test_cancelling_an_unknown_booking_is_rejected_as_not_found(calcom, calcom_client):
    with pytest.raises(CalcomRejected) as caught:
        calcom_client.cancel_booking("nope", reason="erasure")

    assert caught.value.status == 404
    assert caught.value.code == "NotFoundException"


def test_cancelling_twice_is_rejected_the_second_time(calcom, calcom_client):
    uid = calcom.add_booking(email=EMAIL, start=_soon())
    calcom_client.cancel_booking(uid, reason="erasure")

    with pytest.raises(CalcomRejected, match="400"):
        calcom_client.cancel_booking(uid, reason="erasure")


def test_a_timeout_is_unavailable_and_may_have_been_processed(calcom):
    uid = calcom.add_booking(email=EMAIL, start=_soon())
    calcom.delay = 0.5
    with (
        CalcomClient(api_key=calcom.api_key, base_url=calcom.url, timeout=0.1) as client,
        pytest.raises(CalcomUnavailable) as caught,
    ):
        client.cancel_booking(uid, reason="erasure")
    assert caught.value.maybe_processed


def test_a_refused_connection_was_certainly_not_processed():
    with (
        CalcomClient(api_key="k", base_url="http://127.0.0.1:9", timeout=1.0) as client,
        pytest.raises(CalcomUnavailable) as caught,
    ):
        client.booking("uid1")
    assert not caught.value.maybe_processed


def test_a_success_status_without_a_success_body_is_an_error():
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>"))
    with (
        CalcomClient(api_key="k", transport=transport) as client,
        pytest.raises(CalcomError, match="without a success body"),
    ):
        client.booking("uid1")


def test_from_settings_is_off_until_the_api_key_is_configured(settings):
    settings.CALCOM_API_KEY = ""
    assert CalcomClient.from_settings() is None
    settings.CALCOM_API_KEY = "cal_live_x"
    client = CalcomClient.from_settings()
    assert isinstance(client, CalcomClient)
    client.close()
