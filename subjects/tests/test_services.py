from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from leadkeeper.crypto import blind_index
from subjects.errors import SubjectsNotMergeable
from subjects.models import Subject
from subjects.services import (
    keep_subjects_apart,
    merge_subjects,
    record_interaction,
    subject_for,
    subject_for_lead,
)

pytestmark = pytest.mark.django_db

VICTIM_PHONE, ATTACKER_PHONE = "+79161234567", "+79031112233"
EMAIL = "ivan.petrov@example.com"
NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def test_a_known_phone_returns_its_subject():
    first = subject_for(phone=VICTIM_PHONE, email=EMAIL)
    assert subject_for(phone=VICTIM_PHONE, email="") == first
    assert subject_for(phone=VICTIM_PHONE, email="other@example.com") == first
    assert Subject.objects.count() == 1


def test_a_known_phone_learns_an_email_it_had_none_for():
    first = subject_for(phone=VICTIM_PHONE, email="")
    again = subject_for(phone=VICTIM_PHONE, email=EMAIL)
    assert again.pk == first.pk and again.email_index == blind_index(EMAIL)


def test_an_email_match_alone_makes_a_new_subject_marked_as_a_possible_duplicate():
    victim = subject_for(phone=VICTIM_PHONE, email=EMAIL)
    other = subject_for(phone=ATTACKER_PHONE, email=EMAIL)
    assert other.pk != victim.pk
    assert other.possible_duplicate_of_id == victim.pk
    assert other.phone_index == blind_index(ATTACKER_PHONE)
    victim.refresh_from_db()
    assert victim.possible_duplicate_of_id is None


def test_without_a_phone_the_email_joins_only_a_subject_known_by_email_alone():
    victim = subject_for(phone=VICTIM_PHONE, email=EMAIL)
    booked = subject_for(phone="", email=EMAIL)
    assert booked.pk != victim.pk and booked.possible_duplicate_of_id == victim.pk
    assert subject_for(phone="", email=EMAIL).pk == booked.pk
    assert Subject.objects.count() == 2


def test_an_erased_subject_is_never_returned():
    erased = subject_for(phone=VICTIM_PHONE, email=EMAIL)
    Subject.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    fresh = subject_for(phone=VICTIM_PHONE, email=EMAIL)
    assert fresh.pk != erased.pk and fresh.possible_duplicate_of_id is None


@time_machine.travel(NOW, tick=False)
def test_record_interaction_moves_the_clock_forward():
    subject = Subject.objects.create(last_interaction_at=NOW - timedelta(days=30))
    assert record_interaction(subject=subject, at=NOW - timedelta(days=1), source="test")
    subject.refresh_from_db()
    assert subject.last_interaction_at == NOW - timedelta(days=1)


@time_machine.travel(NOW, tick=False)
def test_record_interaction_never_moves_the_clock_backwards():
    subject = Subject.objects.create(last_interaction_at=NOW - timedelta(days=1))
    assert not record_interaction(subject=subject, at=NOW - timedelta(days=30), source="test")
    assert not record_interaction(subject=subject, at=NOW - timedelta(days=1), source="test")
    subject.refresh_from_db()
    assert subject.last_interaction_at == NOW - timedelta(days=1)


@time_machine.travel(NOW, tick=False)
def test_record_interaction_reads_a_time_in_the_future_as_now():
    subject = Subject.objects.create(last_interaction_at=NOW - timedelta(days=1))
    record_interaction(subject=subject, at=NOW + timedelta(days=365), source="test")
    subject.refresh_from_db()
    assert subject.last_interaction_at == NOW


def test_merge_repoints_the_marks_of_other_subjects_and_deletes_the_merged_one():
    keep = subject_for(phone=VICTIM_PHONE, email=EMAIL)
    merge = subject_for(phone=ATTACKER_PHONE, email=EMAIL)
    third = Subject.objects.create(possible_duplicate_of=merge)
    result = merge_subjects(keep=keep, merge=merge, actor="staff:1")
    assert not Subject.objects.filter(pk=merge.pk).exists()
    third.refresh_from_db()
    keep.refresh_from_db()
    assert third.possible_duplicate_of_id == keep.pk and keep.possible_duplicate_of_id is None
    assert result.moved == {"subjects.subject.possible_duplicate_of": 1}
    event = AuditEvent.objects.get(action="subject.merged")
    assert event.subject_id == keep.pk and event.actor == "staff:1"
    assert event.data == {"merged_subject": merge.pk, "moved": result.moved}


def test_merge_keeps_the_later_clock_both_identifiers_and_a_restriction():
    keep = Subject.objects.create(
        email_index="e", last_interaction_at=NOW - timedelta(days=9), created_at=NOW
    )
    merge = Subject.objects.create(
        phone_index="p",
        last_interaction_at=NOW,
        created_at=NOW - timedelta(days=9),
        restricted_at=NOW,
    )
    merge_subjects(keep=keep, merge=merge, actor="staff:1")
    keep.refresh_from_db()
    assert (keep.phone_index, keep.email_index) == ("p", "e")
    assert keep.last_interaction_at == NOW and keep.created_at == NOW - timedelta(days=9)
    assert keep.restricted_at == NOW


def test_merging_a_subject_into_itself_or_an_erased_one_is_refused_and_changes_nothing():
    subject = subject_for(phone=VICTIM_PHONE, email=EMAIL)
    erased = Subject.objects.create(erased_at=NOW)
    with pytest.raises(SubjectsNotMergeable, match=f"subject {subject.pk} cannot be merged"):
        merge_subjects(keep=subject, merge=subject, actor="staff:1")
    with pytest.raises(SubjectsNotMergeable, match=f"subject {erased.pk} is erased"):
        merge_subjects(keep=subject, merge=erased, actor="staff:1")
    assert Subject.objects.count() == 2 and not AuditEvent.objects.exists()


def test_keeping_subjects_apart_clears_the_mark_and_is_audited():
    victim = subject_for(phone=VICTIM_PHONE, email=EMAIL)
    other = subject_for(phone=ATTACKER_PHONE, email=EMAIL)
    assert keep_subjects_apart(subject=other, actor="staff:7")
    other.refresh_from_db()
    assert other.possible_duplicate_of_id is None
    event = AuditEvent.objects.get(action="subject.kept_apart")
    assert event.subject_id == other.pk and event.data == {"possible_duplicate_of": victim.pk}
    assert not keep_subjects_apart(subject=other, actor="staff:7")
    assert AuditEvent.objects.filter(action="subject.kept_apart").count() == 1


# subject_for_lead: the same rules as subject_for + record_interaction, in one upsert.


def test_a_lead_upsert_joins_the_alive_subject_with_the_phone_and_moves_its_clock():
    first = subject_for(phone=VICTIM_PHONE, email="")
    later = timezone.now() + timedelta(seconds=5)
    with time_machine.travel(later, tick=False):
        again = subject_for_lead(phone=VICTIM_PHONE, email=EMAIL, at=later)
    assert again.pk == first.pk and Subject.objects.count() == 1
    first.refresh_from_db()
    assert first.email_index == blind_index(EMAIL)  # learnt, as subject_for does
    assert first.last_interaction_at == later


def test_a_lead_upsert_keeps_a_known_email_and_never_moves_the_clock_back():
    first = subject_for_lead(phone=VICTIM_PHONE, email=EMAIL, at=timezone.now())
    clock = Subject.objects.get().last_interaction_at
    subject_for_lead(phone=VICTIM_PHONE, email="other@example.com", at=NOW - timedelta(days=9))
    first.refresh_from_db()
    assert first.email_index == blind_index(EMAIL) and first.last_interaction_at == clock


def test_a_lead_upsert_with_an_email_match_alone_makes_a_marked_new_subject():
    victim = subject_for_lead(phone=VICTIM_PHONE, email=EMAIL, at=timezone.now())
    other = subject_for_lead(phone=ATTACKER_PHONE, email=EMAIL, at=timezone.now())
    assert other.pk != victim.pk and other.possible_duplicate_of_id == victim.pk
    assert other.phone_index == blind_index(ATTACKER_PHONE)  # loaded on first read
    victim.refresh_from_db()
    assert victim.possible_duplicate_of_id is None


def test_a_lead_upsert_never_joins_an_erased_subject():
    erased = subject_for_lead(phone=VICTIM_PHONE, email=EMAIL, at=timezone.now())
    Subject.objects.filter(pk=erased.pk).update(erased_at=timezone.now())
    fresh = subject_for_lead(phone=VICTIM_PHONE, email=EMAIL, at=timezone.now())
    assert fresh.pk != erased.pk and fresh.possible_duplicate_of_id is None
