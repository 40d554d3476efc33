from datetime import UTC, datetime

import httpx
import pytest
import time_machine
from django.test import Client

from audit.models import AuditEvent
from booking.models import Booking, WebhookDelivery
from consent.tests.factories import lead_under
from subjects.models import Subject

from .factories import SECRET, calcom_body, signed

pytestmark = pytest.mark.django_db

URL = "/hooks/calcom/"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.CALCOM_WEBHOOK_SECRET = SECRET


def _deliver(client: Client, body: bytes, **headers: str):
    headers = headers or signed(body)
    return client.post(URL, body, content_type="application/json", **headers)


@time_machine.travel(NOW, tick=False)
def test_a_booking_is_linked_to_the_lead_by_email_and_refreshes_the_contact_clocks(client):
    with time_machine.travel(datetime(2026, 1, 5, tzinfo=UTC), tick=False):
        lead = lead_under(email="ivan.petrov@example.com")
    response = _deliver(client, calcom_body())
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    booking = Booking.objects.get()
    assert booking.lead_id == lead.pk
    assert booking.status == "scheduled" and booking.email == "ivan.petrov@example.com"
    assert booking.start_time == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    # Issue 15: the email alone does not join the lead's subject; the DPO sees the mark.
    subject = Subject.objects.get(pk=booking.subject_id)
    assert subject.pk != lead.subject_id and subject.possible_duplicate_of_id == lead.subject_id
    assert subject.created_at == subject.last_interaction_at == NOW  # new on arrival
    lead.refresh_from_db()
    assert lead.retention_from == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    event = AuditEvent.objects.get(action="booking.created")
    assert event.subject_id == booking.subject_id and event.actor == "calcom"


def test_a_bad_signature_is_refused_and_nothing_is_stored(client):
    body = calcom_body()
    for headers in (signed(body, "wrong"), {"HTTP_X_CAL_SIGNATURE_256": ""}, {"HTTP_X": "1"}):
        response = _deliver(client, body, **headers)
        assert response.status_code == 401
    tampered = body.replace(b"bk-1", b"bk-2")
    assert _deliver(client, tampered, **signed(body)).status_code == 401
    assert not Booking.objects.exists() and not WebhookDelivery.objects.exists()
    assert not Subject.objects.exists()


def test_without_a_configured_secret_the_hook_refuses_everything(client, settings):
    settings.CALCOM_WEBHOOK_SECRET = ""
    body = calcom_body()
    assert _deliver(client, body, **signed(body, "")).status_code == 503
    assert not Booking.objects.exists()


def test_a_replayed_delivery_changes_nothing(client):
    body = calcom_body()
    _deliver(client, body)
    events = AuditEvent.objects.count()
    replay = _deliver(client, body)
    assert replay.status_code == 200 and replay.json()["outcome"] == "duplicate"
    assert Booking.objects.count() == 1 and WebhookDelivery.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_a_cancellation_cancels_the_booking(client):
    _deliver(client, calcom_body())
    _deliver(client, calcom_body("BOOKING_CANCELLED", created_at="2026-11-21T08:00:00Z"))
    assert Booking.objects.get().status == "cancelled"
    assert AuditEvent.objects.filter(action="booking.cancelled").count() == 1


def test_a_late_retry_of_an_older_event_does_not_undo_a_newer_one(client):
    _deliver(client, calcom_body("BOOKING_CANCELLED", created_at="2026-11-21T08:00:00Z"))
    late = _deliver(client, calcom_body(created_at="2026-11-20T10:00:00Z"))
    assert late.json()["outcome"] == "stale"
    assert Booking.objects.get().status == "cancelled"


def test_a_reschedule_replaces_the_booking_with_a_new_one(client):
    lead = lead_under(email="ivan.petrov@example.com")
    _deliver(client, calcom_body())
    response = _deliver(
        client,
        calcom_body(
            "BOOKING_RESCHEDULED",
            uid="bk-2",
            rescheduleUid="bk-1",
            created_at="2026-11-22T08:00:00Z",
            start="2026-11-28T09:00:00Z",
        ),
    )
    assert response.json()["outcome"] == "applied"
    old, new = Booking.objects.get(uid="bk-1"), Booking.objects.get(uid="bk-2")
    assert old.status == "rescheduled" and old.rescheduled_to == "bk-2"
    assert new.status == "scheduled" and new.rescheduled_from == "bk-1"
    assert new.lead_id == lead.pk


def test_a_booking_by_someone_without_a_lead_gets_a_subject_for_their_rights(client):
    _deliver(client, calcom_body(email="walk-in@example.com"))
    booking = Booking.objects.get()
    assert booking.lead_id is None and booking.subject_id is not None
    _deliver(client, calcom_body(uid="bk-9", email="WALK-IN@example.com"))
    assert Booking.objects.get(uid="bk-9").subject_id == booking.subject_id


def test_other_events_and_pings_are_acknowledged_and_ignored(client):
    for trigger in ("PING", "MEETING_ENDED"):
        response = _deliver(client, calcom_body(trigger))
        assert response.status_code == 200 and response.json()["outcome"] == "ignored"
    assert not Booking.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        calcom_body(attendees=[]),
        calcom_body(email="not-an-email"),
        calcom_body(startTime="soon"),
    ],
    ids=["not json", "no attendee", "bad email", "bad time"],
)
def test_a_signed_but_unusable_delivery_is_a_clear_400(client, body):
    response = _deliver(client, body)
    assert response.status_code == 400 and response.json()["detail"]
    assert not Booking.objects.exists()


def test_a_cancellation_racing_the_creation_of_its_booking_is_applied_not_dropped(
    client, monkeypatch
):
    from django.db import IntegrityError

    from booking import services

    real_save, calls = services._save, []

    def save_after_a_concurrent_insert(**kwargs):
        calls.append(kwargs["uid"])
        if len(calls) == 2:  # the cancellation: the creation committed its uid a moment ago
            raise IntegrityError("UNIQUE constraint failed: booking_booking.uid")
        return real_save(**kwargs)

    monkeypatch.setattr(services, "_save", save_after_a_concurrent_insert)
    _deliver(client, calcom_body())
    response = _deliver(client, calcom_body("BOOKING_CANCELLED", created_at="2026-11-20T11:00:00Z"))
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    assert Booking.objects.get(uid="bk-1").status == "cancelled"


def test_an_attendee_without_a_name_is_booked_not_a_server_error(client):
    body = calcom_body(attendees=[{"email": "walk-in@example.com", "name": ""}])
    response = _deliver(client, body)
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    assert Booking.objects.get().name in ("", None)


def test_the_title_which_names_the_attendee_is_stored_encrypted(client):
    from django.db import connection

    _deliver(client, calcom_body(title="Consultation between KommoExpert and Ivan Petrov"))
    booking = Booking.objects.get()
    assert booking.title == "Consultation between KommoExpert and Ivan Petrov"
    assert Booking.register_fields["title"] == "name"  # covered by access and erasure
    with connection.cursor() as cursor:
        cursor.execute("SELECT title FROM booking_booking WHERE id = %s", [booking.pk])
        (stored,) = cursor.fetchone()
    assert "Ivan" not in stored


def test_only_post_is_allowed(client):
    assert client.get(URL).status_code == 405


@pytest.mark.django_db(transaction=True)
def test_cal_com_double_over_http_good_bad_and_replayed(live_server, settings, audit_head):
    """Deliveries over a real socket, signed exactly as Cal.com signs them."""
    settings.CALCOM_WEBHOOK_SECRET = SECRET
    body = calcom_body()
    url = f"{live_server.url}{URL}"
    header = signed(body)["HTTP_X_CAL_SIGNATURE_256"]
    with httpx.Client(timeout=10) as http:
        bad = http.post(url, content=body, headers={"X-Cal-Signature-256": "0" * 64})
        good = http.post(url, content=body, headers={"X-Cal-Signature-256": header})
        again = http.post(url, content=body, headers={"X-Cal-Signature-256": header})
    assert bad.status_code == 401
    assert good.status_code == 200 and good.json()["outcome"] == "applied"
    assert again.json()["outcome"] == "duplicate"
    assert Booking.objects.count() == 1


@time_machine.travel(NOW, tick=False)
def test_times_without_an_offset_are_read_as_utc_not_a_server_error(client):
    body = calcom_body(created_at="2026-11-20T10:00:00", start="2026-11-27T09:00:00")
    response = _deliver(client, body)
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    booking = Booking.objects.get()
    assert booking.start_time == datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    assert booking.last_event_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


def test_a_later_booking_by_the_same_email_moves_its_subjects_clock(client):
    with time_machine.travel(datetime(2026, 11, 10, tzinfo=UTC), tick=False):
        _deliver(client, calcom_body(email="walk-in@example.com"))
    subject = Booking.objects.get().subject
    assert subject.last_interaction_at == datetime(2026, 11, 10, tzinfo=UTC)
    with time_machine.travel(NOW, tick=False):
        _deliver(client, calcom_body(uid="bk-9", email="walk-in@example.com"))
    subject.refresh_from_db()
    assert subject.last_interaction_at == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


# --- Issue 15 item 7: a captured, validly signed delivery cannot be replayed later ------------


@pytest.mark.replay_window
def test_a_delivery_older_than_five_minutes_is_refused_and_changes_nothing(client):
    body = calcom_body(created_at="2026-11-20T10:00:00.000Z")
    with time_machine.travel(datetime(2026, 11, 20, 10, 5, 1, tzinfo=UTC), tick=False):
        response = _deliver(client, body)
    assert response.status_code == 400
    assert "300 s" in response.json()["detail"]
    assert not Booking.objects.exists() and not WebhookDelivery.objects.exists()


@pytest.mark.replay_window
def test_a_delivery_within_five_minutes_applies_once_and_its_replay_is_a_duplicate(client):
    body = calcom_body(created_at="2026-11-20T10:00:00.000Z")
    with time_machine.travel(datetime(2026, 11, 20, 10, 4, 0, tzinfo=UTC), tick=False):
        assert _deliver(client, body).json()["outcome"] == "applied"
        assert _deliver(client, body).json()["outcome"] == "duplicate"
    with time_machine.travel(datetime(2026, 11, 21, 10, 0, 0, tzinfo=UTC), tick=False):
        assert _deliver(client, body).status_code == 400
    assert Booking.objects.count() == WebhookDelivery.objects.count() == 1


@pytest.mark.replay_window
def test_a_delivery_dated_in_the_future_is_refused(client):
    body = calcom_body(created_at="2026-11-20T11:00:00.000Z")
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, 0, tzinfo=UTC), tick=False):
        assert _deliver(client, body).status_code == 400
    assert not Booking.objects.exists()
