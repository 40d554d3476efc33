import uuid

import pytest
from django.utils import timezone

from booking.models import Booking
from consent.models import WithdrawalRequest
from consent.selectors import consent_history_matching
from consent.services import observe_ga_client_id
from subjects.models import Subject
from subjects.selectors import personal_record_models
from subjects.services import merge_subjects

from .factories import lead_under

pytestmark = pytest.mark.django_db


def test_a_lead_with_a_victims_email_and_the_senders_phone_reveals_nothing_of_the_victim():
    # Issue 15: the email is not proof of identity; only the phone joins a subject.
    victim_cookie, attacker_cookie = uuid.uuid4(), uuid.uuid4()
    victim = lead_under(victim_cookie, phone="+79161234567", email="victim@example.com")
    observe_ga_client_id(consent_id=victim_cookie, client_id="111.222")
    attacker = lead_under(attacker_cookie, phone="+79031112233", email="victim@example.com")

    assert Subject.objects.count() == 2 and attacker.subject_id != victim.subject_id
    assert attacker.subject.possible_duplicate_of_id == victim.subject_id

    history = consent_history_matching(query="+7 903 111-22-33")
    assert history.found and history.subject_ids == [attacker.subject_id]
    assert history.consent_ids == [attacker_cookie]
    assert {r.lead_id for r in history.records} == {attacker.pk}
    assert history.client_ids == []

    victims = consent_history_matching(query="+7 916 123-45-67")
    assert victims.subject_ids == [victim.subject_id]
    assert [c.client_id for c in victims.client_ids] == ["111.222"]


def _rows_of(subject: Subject) -> dict[str, int]:
    counts = {}
    for model in personal_record_models():
        if count := model.objects.filter(subject=subject).count():
            counts[model._meta.label] = count
    return counts


def test_after_a_dpo_merge_every_record_follows_and_either_phone_finds_the_whole_history():
    first_cookie, second_cookie = uuid.uuid4(), uuid.uuid4()
    first = lead_under(first_cookie, phone="+79161234567", email="ivan@example.com")
    second = lead_under(second_cookie, phone="+79031112233", email="ivan@example.com")
    keep, merge = first.subject, second.subject
    observe_ga_client_id(consent_id=second_cookie, client_id="333.444")
    now = timezone.now()
    Booking.objects.create(
        uid="bk-1",
        subject=merge,
        title="t",
        name="n",
        email="ivan@example.com",
        start_time=now,
        end_time=now,
        last_event_at=now,
    )
    WithdrawalRequest.objects.create(subject=merge, lead=second)
    merged_rows = _rows_of(merge)
    assert {"capture.Lead", "consent.ConsentRecord", "consent.AnalyticsClientId"} <= set(
        merged_rows
    )
    before = _rows_of(keep)

    merge_subjects(keep=keep, merge=merge, actor="staff:1")

    after = _rows_of(keep)
    assert all(after[label] == before.get(label, 0) + n for label, n in merged_rows.items())
    assert WithdrawalRequest.objects.get().subject_id == keep.pk
    assert not Subject.objects.filter(pk=merge.pk).exists()
    history = consent_history_matching(query="+7 903 111-22-33")
    assert history.subject_ids == [keep.pk]
    assert {first_cookie, second_cookie} <= set(history.consent_ids)


def test_a_withdrawn_contact_form_consent_is_no_longer_an_open_grant():
    from consent.selectors import consent_rows_of_subjects, open_form_grants
    from consent.services import withdraw_form_consent
    from leadkeeper.tests.factories import request_context

    cookie = uuid.uuid4()
    first = lead_under(cookie)
    second = lead_under(cookie, message="a second request")
    (grant, *_) = open_form_grants(subject_ids=[first.subject_id])
    withdraw_form_consent(
        consent_id=cookie, record_id=grant.pk, context=request_context(), method="test"
    )
    (left,) = open_form_grants(subject_ids=[first.subject_id])
    assert {grant.lead_id, left.lead_id} == {first.pk, second.pk}
    rows = consent_rows_of_subjects(subject_ids=[first.subject_id])
    assert [row["action"] for row in rows] == ["grant", "grant", "withdraw"]


def test_a_consent_page_withdrawal_names_its_subject():
    from consent.selectors import withdrawal_subject_id

    captured = lead_under()
    opened = WithdrawalRequest.objects.create(subject=captured.subject, lead=captured)
    assert withdrawal_subject_id(withdrawal_request_id=opened.pk) == captured.subject_id
    assert withdrawal_subject_id(withdrawal_request_id=opened.pk + 1) is None
