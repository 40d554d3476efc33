"""subjects/gdpr.py and the rights desk's reads in subjects/selectors.py."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from leadkeeper.crypto import blind_index
from subjects.gdpr import (
    erase_subject_identities,
    mark_objected,
    reindex_subjects,
    restrict_subjects,
)
from subjects.models import Subject
from subjects.selectors import live_subject_ids, subject_ids_matching, subject_indexes

pytestmark = pytest.mark.django_db


def _subject(phone: str, email: str) -> Subject:
    return Subject.objects.create(phone_index=blind_index(phone), email_index=blind_index(email))


def test_a_subject_is_found_by_either_index_and_its_indexes_are_listed():
    ivan = _subject("+79161234567", "ivan@example.com")
    _subject("+79169876543", "maria@example.com")
    assert subject_ids_matching(email_index=blind_index("ivan@example.com")) == {ivan.pk}
    assert subject_ids_matching(phone_index=ivan.phone_index) == {ivan.pk}
    assert subject_ids_matching() == set()
    assert subject_indexes(subject_ids=[ivan.pk]) == [(ivan.phone_index, ivan.email_index)]


def test_restriction_and_objection_are_set_once_and_never_moved():
    ivan = _subject("+79161234567", "ivan@example.com")
    first = timezone.now()
    assert restrict_subjects(subject_ids=[ivan.pk], at=first) == 1
    assert mark_objected(subject_ids=[ivan.pk], at=first) == 1
    assert restrict_subjects(subject_ids=[ivan.pk], at=timezone.now()) == 0
    assert mark_objected(subject_ids=[ivan.pk], at=timezone.now()) == 0
    ivan.refresh_from_db()
    assert ivan.restricted_at == first and ivan.objected_at == first


def test_an_erased_subject_keeps_no_identifier_and_is_no_longer_live():
    ivan = _subject("+79161234567", "ivan@example.com")
    maria = _subject("+79169876543", "maria@example.com")
    assert erase_subject_identities(subject_ids=[ivan.pk], at=timezone.now()) == 1
    ivan.refresh_from_db()
    assert ivan.phone_index == ivan.email_index == "" and ivan.erased_at is not None
    assert live_subject_ids(subject_ids=[ivan.pk, maria.pk]) == [maria.pk]
    assert subject_indexes(subject_ids=[ivan.pk]) == []


def test_a_corrected_phone_finds_the_subject_but_never_takes_another_persons():
    ivan = _subject("+79161234567", "ivan@example.com")
    maria = _subject("+79169876543", "maria@example.com")
    new = blind_index("+79160000001")
    assert reindex_subjects(subject_ids=[ivan.pk], phone_index=new) == 1
    assert subject_ids_matching(phone_index=new) == {ivan.pk}
    with pytest.raises(IntegrityError), transaction.atomic():
        reindex_subjects(subject_ids=[ivan.pk], phone_index=maria.phone_index)
    assert reindex_subjects(subject_ids=[ivan.pk]) == 0
