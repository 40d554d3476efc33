"""rotate_keys: every encrypted field and blind index moves to the newest keys, resumably."""

from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from booking.models import Booking
from capture.models import Lead
from capture.selectors import leads_matching
from capture.services import capture_lead
from capture.tests.factories import lead_data, request_context
from leadkeeper import keyrotation
from leadkeeper.crypto import blind_index
from leadkeeper.models import KeyRotationProgress
from subjects.models import Subject

pytestmark = pytest.mark.django_db

PEOPLE = [(f"Person {i}", f"+7916{2000000 + i:07d}", f"person{i}@example.com") for i in range(7)]


def _keys(settings, fernet_keys: list[str], index_keys: list[str]) -> None:
    settings.FIELD_ENCRYPTION_KEYS = fernet_keys
    settings.BLIND_INDEX_KEYS = index_keys


def _capture_everyone() -> None:
    for name, phone, email in PEOPLE:
        capture_lead(
            data=lead_data(name=name, phone=phone, email=email, message=f"about {name}"),
            context=request_context(),
            channel=Lead.Channel.API,
        )
    name, phone, email = PEOPLE[0]  # a returning person is the same subject
    capture_lead(
        data=lead_data(name=name, phone=phone, email=email),
        context=request_context(),
        channel="api",
    )
    lead = Lead.objects.filter(email_index=blind_index(email)).first()
    now = timezone.now()
    Booking.objects.create(
        uid="bk-rotate",
        status=Booking.Status.SCHEDULED,
        title="Kommo consultation",
        start_time=now + timedelta(days=1),
        end_time=now + timedelta(days=1, minutes=30),
        name=name,
        email=email,
        email_index=blind_index(email),
        lead=lead,
        subject=lead.subject,
        last_event_at=now,
    )


def _raw_ciphertexts() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT name, phone FROM {Lead._meta.db_table}")  # noqa: S608
        return {value for row in cursor.fetchall() for value in row}


def _assert_everything_readable_and_findable() -> None:
    for name, phone, email in PEOPLE:
        by_phone = list(leads_matching(phone_or_email=phone, region="RU"))
        by_email = list(leads_matching(phone_or_email=email.upper(), region="RU"))
        assert by_phone and {lead.pk for lead in by_phone} == {lead.pk for lead in by_email}
        assert {(lead.name, lead.phone, lead.email) for lead in by_phone} == {(name, phone, email)}
        subject = Subject.objects.get(phone_index=blind_index(phone))
        assert subject.email_index == blind_index(email)
        assert {lead.subject_id for lead in by_phone} == {subject.pk}
    assert Subject.objects.count() == len(PEOPLE)
    booking = Booking.objects.get(uid="bk-rotate")
    assert (booking.name, booking.email, booking.title) == (
        PEOPLE[0][0],
        PEOPLE[0][2],
        "Kommo consultation",
    )
    assert booking.email_index == blind_index(PEOPLE[0][2])


def test_rotating_twice_keeps_every_lead_readable_and_every_subject_findable(settings):
    keys = [Fernet.generate_key().decode() for _ in range(3)]
    _keys(settings, [keys[0]], ["index-0"])
    _capture_everyone()
    before = _raw_ciphertexts()

    for new in (1, 2):
        old = new - 1
        _keys(settings, [keys[new], keys[old]], [f"index-{new}", f"index-{old}"])
        call_command("rotate_keys", batch=3, verbosity=0)
        # Only the newest keys from here on: anything not rotated would fail to read or match.
        _keys(settings, [keys[new]], [f"index-{new}"])
        _assert_everything_readable_and_findable()

    assert not before & _raw_ciphertexts()
    assert KeyRotationProgress.objects.filter(finished_at__isnull=True).count() == 0


def test_lookups_find_rows_not_yet_rotated(settings):
    _keys(settings, settings.FIELD_ENCRYPTION_KEYS, ["index-old"])
    _capture_everyone()
    _keys(settings, settings.FIELD_ENCRYPTION_KEYS, ["index-new", "index-old"])
    name, phone, email = PEOPLE[1]
    assert [lead.name for lead in leads_matching(phone_or_email=email, region="RU")] == [name]
    # A returning visitor during the rotation joins their existing subject.
    capture_lead(
        data=lead_data(name=name, phone=phone, email=email),
        context=request_context(),
        channel="api",
    )
    assert Subject.objects.count() == len(PEOPLE)


def test_a_crashed_rotation_resumes_where_its_last_batch_committed(settings, monkeypatch):
    _keys(settings, settings.FIELD_ENCRYPTION_KEYS, ["index-a"])
    _capture_everyone()
    _keys(
        settings,
        [Fernet.generate_key().decode(), *settings.FIELD_ENCRYPTION_KEYS],
        ["b", "index-a"],
    )
    real_rotate_row, calls = keyrotation._rotate_row, []

    def crash_on_the_fifth_row(row, plan):
        calls.append(row.pk)
        if len(calls) == 5:
            raise KeyboardInterrupt("operator pressed Ctrl-C")
        return real_rotate_row(row, plan)

    monkeypatch.setattr(keyrotation, "_rotate_row", crash_on_the_fifth_row)
    with pytest.raises(KeyboardInterrupt):
        call_command("rotate_keys", batch=2, verbosity=0)
    # booking.booking (1 row) finished; capture.lead kept its first committed batch of 2.
    assert KeyRotationProgress.objects.get(model="booking.booking").finished_at is not None
    lead_progress = KeyRotationProgress.objects.get(model="capture.lead")
    assert (lead_progress.rows_done, lead_progress.finished_at) == (2, None)
    monkeypatch.setattr(keyrotation, "_rotate_row", real_rotate_row)

    call_command("rotate_keys", batch=2, verbosity=0)

    _keys(settings, settings.FIELD_ENCRYPTION_KEYS[:1], ["b"])
    _assert_everything_readable_and_findable()
