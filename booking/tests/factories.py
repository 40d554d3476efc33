import json

from integrations.calcom.webhooks import signature_for

SECRET = "calcom-test-secret"


def calcom_body(
    trigger: str = "BOOKING_CREATED",
    *,
    uid: str = "bk-1",
    email: str = "Ivan.Petrov@example.com",
    created_at: str = "2026-11-20T10:00:00.000Z",
    start: str = "2026-11-27T09:00:00Z",
    **payload: object,
) -> bytes:
    """A webhook body in Cal.com's documented shape."""
    body = {
        "triggerEvent": trigger,
        "createdAt": created_at,
        "payload": {
            "type": "consultation",
            "title": "Kommo consultation",
            "uid": uid,
            "startTime": start,
            "endTime": start.replace("09:00", "09:30"),
            "organizer": {"email": "team@kommoexpert.ru", "name": "KommoExpert"},
            "attendees": [{"email": email, "name": "Ivan Petrov", "timeZone": "Europe/Moscow"}],
            "status": "ACCEPTED",
            **payload,
        },
    }
    return json.dumps(body).encode()


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_X_CAL_SIGNATURE_256": signature_for(body=body, secret=secret)}
