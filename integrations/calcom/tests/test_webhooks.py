import hashlib
import hmac
import json

import pytest

from integrations.calcom.errors import CalcomPayloadInvalid, CalcomSignatureInvalid
from integrations.calcom.webhooks import (
    parse_booking,
    parse_event,
    signature_for,
    verify_signature,
)

SECRET = "whsec-test"
BODY = json.dumps(
    {
        "triggerEvent": "BOOKING_CREATED",
        "createdAt": "2026-11-20T10:00:00.000Z",
        "payload": {
            "uid": "bk-1",
            "title": "Consultation",
            "startTime": "2026-11-27T09:00:00Z",
            "endTime": "2026-11-27T09:30:00Z",
            "attendees": [
                {"email": "ivan@example.com", "name": "Ivan", "timeZone": "Europe/Moscow"}
            ],
            "organizer": {"email": "team@kommoexpert.ru"},
        },
    }
).encode()


def _cal_signature(body: bytes) -> str:
    """What Cal.com sends, computed here independently of the code under test."""
    return hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def test_the_hex_hmac_of_the_raw_body_verifies():
    assert signature_for(body=BODY, secret=SECRET) == _cal_signature(BODY)
    verify_signature(body=BODY, signature=_cal_signature(BODY), secret=SECRET)  # no raise


def test_a_sha256_prefix_and_upper_case_hex_are_tolerated():
    signature = "sha256=" + _cal_signature(BODY).upper()
    verify_signature(body=BODY, signature=signature, secret=SECRET)  # no raise


@pytest.mark.parametrize(
    ("body", "signature", "secret"),
    [
        (BODY, signature_for(body=BODY, secret="another"), SECRET),
        (BODY + b" ", signature_for(body=BODY, secret=SECRET), SECRET),
        (BODY, "", SECRET),
        (BODY, "no-secret-provided", SECRET),
        (BODY, signature_for(body=BODY, secret=""), ""),
    ],
    ids=["wrong secret", "changed body", "missing", "cal.com without secret", "no secret here"],
)
def test_anything_else_is_refused(body, signature, secret):
    with pytest.raises(CalcomSignatureInvalid):
        verify_signature(body=body, signature=signature, secret=secret)


def test_an_event_and_its_booking_parse():
    event = parse_event(BODY)
    assert event.trigger_event == "BOOKING_CREATED"
    booking = parse_booking(event)
    assert booking.uid == "bk-1" and booking.attendees[0].email == "ivan@example.com"
    assert booking.start_time.isoformat() == "2026-11-27T09:00:00+00:00"


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2]",
        b'{"payload": {}}',
        b'{"triggerEvent": "X", "createdAt": "yesterday"}',
    ],
)
def test_malformed_events_are_refused_with_a_reason(body):
    with pytest.raises(CalcomPayloadInvalid):
        parse_event(body)


def test_a_booking_without_times_is_refused_without_echoing_values():
    event = parse_event(
        json.dumps(
            {
                "triggerEvent": "BOOKING_CREATED",
                "createdAt": "2026-11-20T10:00:00Z",
                "payload": {"uid": "x", "attendees": [{"email": "secret@example.com"}]},
            }
        ).encode()
    )
    with pytest.raises(CalcomPayloadInvalid) as error:
        parse_booking(event)
    assert "startTime" in str(error.value) and "secret@example.com" not in str(error.value)
