"""Delivery to the local Kommo double: content, batching, returning people, failures."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from capture.models import Lead
from crm import pacing
from crm.delivery import claim_due_messages, deliver_batch
from crm.models import OutboxMessage
from crm.services import resume_kommo_delivery, retry_messages
from crm.tasks import deliver_outbox_message

from .conftest import state
from .factories import lead_row, make_lead, make_leads
from .worker import run_worker

pytestmark = pytest.mark.django_db


def _rows(state_: str) -> int:
    return OutboxMessage.objects.filter(kind="crm.lead", state=state_).count()


def test_a_lead_reaches_kommo_with_contact_source_tags_and_utm_fields(kommo):
    lead = make_lead(referrer="https://www.google.com/search?q=kommo", gclid="abc123")

    report = deliver_batch()

    assert report.delivered == 1 and report.requests == 1
    (call,) = kommo.calls("POST", "/api/v4/leads/complex")
    (sent,) = call.body
    assert sent["request_id"] == str(lead.pk)
    tags = [t["name"] for t in sent["_embedded"]["tags"]]
    assert tags[0] == f"lk-{lead.pk}" and "google / cpc" in tags and "kommo_autumn" in tags
    fields = {f["field_code"]: f["values"][0]["value"] for f in sent["custom_fields_values"]}
    assert fields == {
        "UTM_SOURCE": "google",
        "UTM_MEDIUM": "cpc",
        "UTM_CAMPAIGN": "kommo_autumn",
        "REFERRER": "https://www.google.com/search?q=kommo",
        "GCLID": "abc123",
    }
    (contact,) = sent["_embedded"]["contacts"]
    assert contact["name"] == "Ivan Petrov"
    assert contact["custom_fields_values"] == [
        {"field_code": "PHONE", "values": [{"value": "+79161234567", "enum_code": "WORK"}]},
        {
            "field_code": "EMAIL",
            "values": [{"value": "ivan.petrov@example.com", "enum_code": "WORK"}],
        },
    ]
    # The register shares name, phone, email and source with Kommo: not the message or IP.
    assert "We need Kommo" not in str(call.body) and "95.31.18.119" not in str(call.body)

    lead.refresh_from_db()
    kommo_lead = kommo.lead_by_marker(f"lk-{lead.pk}")
    assert lead.kommo_lead_id == kommo_lead["id"]
    assert lead.kommo_contact_id == kommo_lead["contact_ids"][0]
    row = lead_row(lead)
    assert row.state == "delivered" and row.delivered_at and not row.claimed_by
    (event,) = AuditEvent.objects.filter(action="leads.sent_to_kommo")
    assert event.data["lead_ids"] == [lead.pk] and event.data["subject_ids"] == [lead.subject_id]
    assert event.data["kommo_lead_ids"] == [lead.kommo_lead_id]


def test_pipeline_and_stage_come_from_settings(kommo, settings):
    settings.KOMMO_PIPELINE_ID, settings.KOMMO_STATUS_ID = 321, 654
    make_lead()
    deliver_batch()
    (sent,) = kommo.calls("POST", "/api/v4/leads/complex")[0].body
    assert (sent["pipeline_id"], sent["status_id"]) == (321, 654)


def test_leads_go_fifty_to_a_request(kommo):
    make_leads(120)

    outputs = run_worker(sleep=lambda s: None)

    sizes = [len(c.body) for c in kommo.calls("POST", "/api/v4/leads/complex")]
    assert sizes == [50, 50, 20]
    batches = [out for out in outputs if out.startswith("claimed") and "claimed 0," not in out]
    assert [out.split(",")[1] for out in batches] == [
        " delivered 50 (found after a crash 0)",
        " delivered 50 (found after a crash 0)",
        " delivered 20 (found after a crash 0)",
    ]
    assert _rows("delivered") == 120
    assert set(kommo.markers().values()) == {1}


def test_a_returning_person_in_one_batch_gets_one_contact(kommo):
    first = make_lead()
    second = make_lead(email="")  # same phone: the same person
    other = make_lead(name="Anna", phone="+79035550000", email="anna@example.com")

    deliver_batch()

    calls = kommo.calls("POST", "/api/v4/leads/complex")
    # Kommo's duplicate control does not look within one request: the second waits a request.
    assert [len(c.body) for c in calls] == [2, 1]
    assert calls[1].body[0]["_embedded"]["contacts"] == [
        {"id": kommo.lead_by_marker(f"lk-{first.pk}")["contact_ids"][0]}
    ]
    first.refresh_from_db(), second.refresh_from_db(), other.refresh_from_db()
    assert first.kommo_contact_id == second.kommo_contact_id != other.kommo_contact_id
    assert len(kommo.contacts) == 2


def test_a_returning_person_later_is_linked_to_the_existing_contact(kommo):
    first = make_lead()
    deliver_batch()
    again = make_lead(message="Second request")
    deliver_batch()

    first.refresh_from_db(), again.refresh_from_db()
    assert again.kommo_contact_id == first.kommo_contact_id
    assert len(kommo.contacts) == 1


def test_validation_error_dead_letters_the_item_and_delivers_the_rest(kommo):
    good = make_leads(3)
    bad = make_lead(name="Reject Me", phone="+79990000000", email="bad@example.com")
    kommo.reject = lambda item: (
        ("_embedded.contacts.0.name", "name refused by a Kommo rule")
        if "Reject Me" in str(item)
        else None
    )

    report = deliver_batch()

    assert report.dead == 1 and report.delivered == 3
    row = lead_row(bad)
    assert row.state == "dead"
    assert f"Kommo rejected lead {bad.pk}" in row.last_error
    assert "_embedded.contacts.0.name" in row.last_error and "name refused" in row.last_error
    assert all(lead_row(lead).state == "delivered" for lead in good)

    # Staff fix the cause in Kommo and retry: delivered, once.
    kommo.reject = None
    assert retry_messages(message_ids=[row.pk]) == 1
    deliver_batch()
    assert lead_row(bad).state == "delivered"
    assert kommo.markers()[f"lk-{bad.pk}"] == 1


def test_unauthorized_pauses_delivery_without_burning_retries(kommo, settings):
    leads = make_leads(3)
    settings.KOMMO_ACCESS_TOKEN = "revoked-token"

    report = deliver_batch()

    assert report.stopped.startswith("paused")
    assert state().paused_at is not None and "401" in state().pause_reason
    rows = [lead_row(lead) for lead in leads]
    assert all(r.state == "pending" and r.attempts == 0 and not r.in_doubt_since for r in rows)
    assert deliver_batch().stopped.startswith("paused")
    assert len(kommo.received) == 1  # paused: no more calls

    # A new token (the operator renewed it) resumes by itself.
    settings.KOMMO_ACCESS_TOKEN = kommo.token
    assert deliver_batch().delivered == 3


def test_staff_resume_after_kommo_rights_are_fixed(kommo, django_capture_on_commit_callbacks):
    make_leads(2)
    kommo.fail_next.append(403)
    assert deliver_batch().stopped.startswith("paused")
    with django_capture_on_commit_callbacks(execute=True):
        resume_kommo_delivery()
    assert state().paused_at is None
    assert deliver_batch().delivered == 2


def test_rate_limited_blocks_every_worker_for_retry_after(kommo):
    leads = make_leads(2)
    kommo.retry_after = "7"
    kommo.fail_next.append(429)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        report = deliver_batch()
        assert report.stopped.startswith("rate limited")
        blocked = state().blocked_until
        assert blocked == timezone.now() + timedelta(seconds=7)
        row = lead_row(leads[0])
        assert row.next_attempt_at == blocked and row.attempts == 1 and not row.in_doubt_since
        assert deliver_batch().stopped.startswith("blocked")
        clock.shift(7.5)
        assert deliver_batch().delivered == 2


def test_server_errors_back_off_and_the_retry_looks_before_resending(kommo):
    lead = make_lead()
    kommo.fail_next.append(500)

    with time_machine.travel(timezone.now(), tick=False) as clock:
        report = deliver_batch()
        assert report.stopped.startswith("Kommo unavailable")
        row = lead_row(lead)
        assert row.in_doubt_since is not None and row.attempts == 1
        assert "500" in row.last_error
        assert row.next_attempt_at > timezone.now()
        clock.shift(60)
        report = deliver_batch()

    assert report.delivered == 1
    # The retry first listed leads created since the failed attempt, then created it once.
    paths = [(c.method, c.path) for c in kommo.received]
    assert paths == [
        ("POST", "/api/v4/leads/complex"),
        ("GET", "/api/v4/leads"),
        ("POST", "/api/v4/leads/complex"),
    ]
    assert kommo.markers()[f"lk-{lead.pk}"] == 1
    assert state().consecutive_failures == 0


def test_a_timeout_after_kommo_created_the_lead_does_not_duplicate_it(kommo, monkeypatch):
    import httpx

    from integrations.kommo.client import KommoClient

    lead = make_lead()
    kommo.delay = 0.5
    monkeypatch.setattr(
        pacing,
        "make_client",
        lambda: KommoClient(
            base_url=kommo.url, access_token=kommo.token, timeout=httpx.Timeout(0.2)
        ),
    )
    with time_machine.travel(timezone.now(), tick=True) as clock:
        assert deliver_batch().stopped.startswith("Kommo unavailable")
        assert lead_row(lead).in_doubt_since is not None
        kommo.wait_idle()  # Kommo finishes the request our client gave up on
        kommo.delay = 0
        clock.shift(120)
        report = deliver_batch()

    assert report.reconciled == 1
    assert kommo.markers()[f"lk-{lead.pk}"] == 1
    lead.refresh_from_db()
    assert lead.kommo_lead_id == kommo.lead_by_marker(f"lk-{lead.pk}")["id"]


def test_without_a_token_leads_wait_and_nothing_is_lost(settings):
    settings.KOMMO_BASE_URL = settings.KOMMO_ACCESS_TOKEN = ""
    lead = make_lead()
    assert deliver_batch().stopped == "Kommo not configured"
    assert deliver_outbox_message.call(lead_row(lead).pk) == "waiting: Kommo not configured"
    assert lead_row(lead).state == "pending" and lead_row(lead).attempts == 0


def test_unsorted_mode_sends_incoming_leads_with_form_metadata(kommo, settings):
    settings.KOMMO_MODE = "unsorted"
    lead = make_lead(
        landing_page="https://kommoexpert.ru/?utm_source=google", referrer="https://google.com/"
    )

    assert deliver_batch().delivered == 1

    (call,) = kommo.calls("POST", "/api/v4/leads/unsorted/forms")
    (item,) = call.body
    assert item["request_id"] == str(lead.pk)
    assert item["source_uid"] and item["source_name"] == "Website"
    meta = item["metadata"]
    assert meta["form_page"] == "https://kommoexpert.ru/?utm_source=google"
    assert meta["referer"] == "https://google.com/"
    assert meta["form_sent_at"] == int(lead.created_at.timestamp())
    assert "ip" not in meta  # the register does not share network data with Kommo
    lead.refresh_from_db()
    assert lead.kommo_lead_id == kommo.lead_by_marker(f"lk-{lead.pk}")["id"]


def test_a_claimed_row_is_not_claimed_again_until_its_lease_ends(kommo):
    make_leads(3)
    first = claim_due_messages(worker="a")
    assert len(first) == 3
    assert claim_due_messages(worker="b") == []
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert len(claim_due_messages(worker="b")) == 3


def test_staff_retry_does_not_free_a_row_a_worker_is_sending(kommo):
    make_leads(2)
    (sending, waiting) = claim_due_messages(worker="a")
    OutboxMessage.objects.filter(pk=waiting.pk).update(claimed_by="", claimed_until=None)

    assert retry_messages(message_ids=[sending.pk, waiting.pk]) == 1

    assert [row.pk for row in claim_due_messages(worker="b")] == [waiting.pk]
    sending.refresh_from_db()
    assert sending.claimed_by == "a"


def test_a_worker_whose_lease_ran_out_does_not_send_rows_another_worker_took(kommo):
    from crm.delivery import LEASE, Batch

    lead = make_lead()
    slow = claim_due_messages(worker="a")
    with time_machine.travel(timezone.now() + LEASE + timedelta(seconds=1)):
        assert len(claim_due_messages(worker="b")) == 1  # "a" was too slow
        Batch(worker="a", client=pacing.shared_client(), sleep=lambda s: None).run(slow)

    assert kommo.calls("POST", "/api/v4/leads/complex") == []
    assert lead_row(lead).claimed_by == "b"


def test_erased_and_missing_leads_are_dead_lettered_not_sent(kommo):
    erased = make_lead()
    erased.subject.erased_at = timezone.now()
    erased.subject.save()
    gone = make_lead(phone="+79035550001", email="")
    Lead.objects.filter(pk=gone.pk).delete()

    deliver_batch()

    assert "erased" in lead_row(erased).last_error and lead_row(erased).state == "dead"
    assert OutboxMessage.objects.get(ref=gone.pk).state == "dead"
    assert kommo.calls("POST", "/api/v4/leads/complex") == []


def test_a_lead_whose_consent_was_withdrawn_before_delivery_is_not_sent(kommo):
    from consent.models import WithdrawalRequest

    withdrawn = make_lead()
    kept = make_lead(name="Anna", phone="+79035550002", email="anna@example.com")
    WithdrawalRequest.objects.create(subject=withdrawn.subject, lead=withdrawn)

    deliver_batch()

    row = lead_row(withdrawn)
    assert row.state == "dead" and "consent withdrawn" in row.last_error
    assert f"lk-{withdrawn.pk}" not in kommo.markers()
    assert kommo.markers()[f"lk-{kept.pk}"] == 1


def test_a_lead_sharing_only_an_email_gets_its_own_contact_not_the_other_phones(kommo):
    """Contacts are matched by phone, never by email alone (a shared family mailbox)."""
    first = make_lead()
    deliver_batch()
    # The same mailbox, another phone: make_lead files it under the same subject.
    other_phone = make_lead(name="Maria Petrova", phone="+79035550000")
    assert other_phone.subject_id == first.subject_id

    deliver_batch()

    (_, call) = kommo.calls("POST", "/api/v4/leads/complex")
    (contact,) = call.body[0]["_embedded"]["contacts"]
    assert "id" not in contact and contact["name"] == "Maria Petrova"
    first.refresh_from_db(), other_phone.refresh_from_db()
    assert other_phone.kommo_contact_id != first.kommo_contact_id
    assert len(kommo.contacts) == 2


def test_a_kommo_contact_found_by_search_is_joined_only_when_its_phone_matches(kommo):
    """Kommo's search matches any field, and parts of numbers: the first contact it lists
    has a longer number that contains ours, and is someone else."""
    kommo.create_contact(
        name="Someone else", phone="+791612345670", email="ivan.petrov@example.com"
    )
    ours = kommo.create_contact(name="Ivan", phone="+79161234567")
    earlier = make_lead()
    Lead.objects.filter(pk=earlier.pk).update(kommo_lead_id=123)  # delivered, contact unknown
    OutboxMessage.objects.filter(pk=lead_row(earlier).pk).update(state="delivered")
    again = make_lead(message="again")

    deliver_batch()

    again.refresh_from_db()
    assert again.kommo_contact_id == ours


def test_pacing_reserves_slots_one_per_rate_interval(kommo):
    with time_machine.travel(timezone.now(), tick=False):
        waits = [pacing.reserve_request_slot() for _ in range(4)]
    step = 1 / pacing.rate()
    assert waits == pytest.approx([0, step, 2 * step, 3 * step])


def test_a_person_whose_contact_id_we_never_kept_is_found_by_phone(kommo):
    existing = kommo.create_contact(name="Ivan Petrov", phone="+79161234567")
    earlier = make_lead()
    Lead.objects.filter(pk=earlier.pk).update(kommo_lead_id=123)  # delivered, contact unknown
    OutboxMessage.objects.filter(pk=lead_row(earlier).pk).update(state="delivered")
    again = make_lead(message="again")

    deliver_batch()

    (call,) = kommo.calls("GET", "/api/v4/contacts")
    assert call.query["query"] == "+79161234567"
    again.refresh_from_db()
    assert again.kommo_contact_id == existing
    assert len(kommo.contacts) == 1


def test_a_worker_that_wakes_up_after_its_slot_takes_a_new_one(kommo, monkeypatch):
    """Sending late would bunch with other workers' on-time requests (a 429)."""
    from types import SimpleNamespace

    clock = {"now": 1000.0}
    descheduled = iter([0.5])  # the first sleep overruns by half a second

    def fake_sleep(seconds: float) -> None:
        clock["now"] += seconds + next(descheduled, 0.0)

    monkeypatch.setattr(
        pacing, "time", SimpleNamespace(monotonic=lambda: clock["now"], sleep=fake_sleep)
    )
    monkeypatch.setattr(pacing, "_last_send", 0.0)
    reserved = []
    real_reserve = pacing.reserve_request_slot
    monkeypatch.setattr(
        pacing, "reserve_request_slot", lambda: reserved.append(1) or real_reserve()
    )
    pacing.wait_for_slot(clock["now"] + 0.1, sleep=fake_sleep)

    assert len(reserved) == 1  # the missed slot was replaced by a fresh one
    assert pacing._last_send == clock["now"]


def test_an_old_lead_created_by_an_interrupted_attempt_is_found_not_sent_again(kommo, monkeypatch):
    """Kommo keeps the created_at we send (the lead's own time), so the look-up after a
    crash must reach back to it, not only to the moment of the interrupted attempt."""
    import httpx

    from integrations.kommo.client import KommoClient

    lead = make_lead(created_at=timezone.now() - timedelta(hours=2))  # waited for Kommo
    kommo.delay = 0.5
    timeout = {"seconds": 0.2}  # the first attempt gives up; the second has time (a loaded CI)
    monkeypatch.setattr(
        pacing,
        "make_client",
        lambda: KommoClient(
            base_url=kommo.url,
            access_token=kommo.token,
            timeout=httpx.Timeout(timeout["seconds"]),
        ),
    )
    with time_machine.travel(timezone.now(), tick=True) as clock:
        assert deliver_batch().stopped.startswith("Kommo unavailable")
        kommo.wait_idle()  # Kommo finishes the request our client gave up on
        kommo.delay = 0
        timeout["seconds"] = 10.0
        clock.shift(120)
        report = deliver_batch()

    assert report.reconciled == 1
    assert kommo.markers()[f"lk-{lead.pk}"] == 1
