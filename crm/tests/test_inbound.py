"""Kommo's changes flowing back: the webhook endpoint and the poll."""

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone

from audit.models import AuditEvent
from crm.delivery import deliver_batch
from crm.inbound import poll_changes
from crm.models import KommoEvent, KommoInbox, KommoState
from crm.webhook_inbox import apply_stored_webhooks

from .factories import make_lead

pytestmark = pytest.mark.django_db

SECRET = "s3cret-path-token-0123456789"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)


@pytest.fixture
def hook(settings, client, kommo):
    """Post a webhook; the Kommo double holds what the API answers when it is read back."""
    settings.KOMMO_WEBHOOK_SECRET = SECRET
    kommo.rate_limit = None  # the clock is frozen in most of these tests

    def post(data: dict, secret: str = SECRET):
        # Kommo names the account in every hook (the double's account is ours).
        data = {"account[id]": "31000000", "account[subdomain]": "kommoexpert", **data}
        response = client.post(f"/hooks/kommo/{secret}/", data)
        apply_stored_webhooks()  # what the worker does next
        return response

    post.client = client
    post.kommo = kommo
    return post


def _in_kommo(hook, kommo_id: int, status_id: int, at: datetime, **fields) -> None:
    """The lead as Kommo's API holds it after the change a hook announces."""
    closed = int(at.timestamp()) if status_id in (142, 143) else None
    hook.kommo.put_lead(
        kommo_id, status_id=status_id, updated_at=int(at.timestamp()), closed_at=closed, **fields
    )


def _delivered_lead(kommo_lead_id: int = 900001, kommo_contact_id: int = 800001, **fields):
    lead = make_lead(**fields)
    lead.kommo_lead_id, lead.kommo_contact_id = kommo_lead_id, kommo_contact_id
    lead.retention_from = lead.created_at = T0 - timedelta(days=30)
    lead.save()
    lead.subject.last_interaction_at = T0 - timedelta(days=30)
    lead.subject.save()
    return lead


def _status(kommo_id: int, status_id: int, at: datetime) -> dict:
    return {
        "leads[status][0][id]": str(kommo_id),
        "leads[status][0][status_id]": str(status_id),
        "leads[status][0][pipeline_id]": "7000",
        "leads[status][0][old_status_id]": "1001",
        "leads[status][0][last_modified]": str(int(at.timestamp())),
        "account[subdomain]": "kommoexpert",
        "account[id]": "31000000",
    }


@time_machine.travel(T0 + timedelta(hours=1), tick=False)
def test_a_won_deal_marks_the_client_and_moves_the_clocks(hook):
    lead = _delivered_lead()
    _in_kommo(hook, 900001, 142, T0)

    response = hook(_status(900001, 142, T0))

    assert response.status_code == 200
    lead.refresh_from_db()
    assert lead.crm_status == "won"
    assert lead.won_at == T0
    assert lead.retention_from == T0
    lead.subject.refresh_from_db()
    assert lead.subject.last_interaction_at == T0
    event = KommoEvent.objects.get()
    assert (event.kommo_id, event.status_id, event.outcome) == (900001, 142, "applied")
    assert AuditEvent.objects.filter(action="lead.updated_from_kommo").count() == 1


@time_machine.travel(T0 + timedelta(hours=1), tick=False)
def test_the_same_webhook_twice_changes_nothing_the_second_time(hook):
    lead = _delivered_lead()
    _in_kommo(hook, 900001, 142, T0)
    hook(_status(900001, 142, T0))
    hook(_status(900001, 142, T0))

    assert KommoEvent.objects.count() == 1
    assert AuditEvent.objects.filter(action="lead.updated_from_kommo").count() == 1
    lead.refresh_from_db()
    assert lead.won_at == T0


@time_machine.travel(T0 + timedelta(hours=1), tick=False)
def test_a_late_older_stage_change_does_not_overwrite_a_newer_one(hook):
    lead = _delivered_lead()
    _in_kommo(hook, 900001, 143, T0)
    hook(_status(900001, 143, T0))
    hook(_status(900001, 1002, T0 - timedelta(minutes=5)))
    lead.refresh_from_db()
    assert lead.crm_status == "lost"


def test_a_wrong_secret_is_404_and_stores_nothing(hook):
    lead = _delivered_lead()
    response = hook(_status(900001, 142, T0), secret="wrong")
    assert response.status_code == 404
    assert not KommoEvent.objects.exists()
    lead.refresh_from_db()
    assert lead.crm_status == "" and lead.won_at is None


def test_without_a_configured_secret_the_hook_does_not_exist(client, settings):
    settings.KOMMO_WEBHOOK_SECRET = ""
    assert client.post("/hooks/kommo/anything/", _status(1, 142, T0)).status_code == 404


def test_unknown_ids_and_malformed_bodies_are_acknowledged(hook, client):
    assert hook(_status(123456789, 142, T0)).status_code == 200
    assert KommoEvent.objects.get().outcome == "unknown"
    assert hook({"leads[status][x]": "garbage", "nonsense": "1"}).status_code == 200
    response = client.post(
        f"/hooks/kommo/{SECRET}/", data=b"\xff\xfe{not a form", content_type="application/json"
    )
    assert response.status_code == 200
    assert KommoEvent.objects.count() == 1


@time_machine.travel(T0 + timedelta(hours=1), tick=False)
def test_a_mass_change_of_many_leads_in_one_webhook_is_applied_not_dropped(hook):
    """Kommo sends a bulk stage change as one body; past Django's 1,000 form fields."""
    lead = _delivered_lead()
    _in_kommo(hook, 900001, 142, T0)
    data = _status(900001, 142, T0)
    for i in range(1, 250):
        for key, value in _status(700000 + i, 142, T0).items():
            data[key.replace("[0]", f"[{i}]")] = value

    response = hook.client.post(
        f"/hooks/kommo/{SECRET}/",
        urlencode(data),
        content_type="application/x-www-form-urlencoded",  # as Kommo sends it
    )

    assert response.status_code == 200
    assert KommoInbox.objects.count() == 1 and not KommoEvent.objects.exists()  # not yet
    apply_stored_webhooks()
    assert not KommoInbox.objects.exists()
    lead.refresh_from_db()
    assert lead.crm_status == "won" and lead.won_at == T0
    assert KommoEvent.objects.count() == 250


@pytest.mark.parametrize(
    "data",
    [
        {"leads[status][0][id]": "1", "leads[status][0][last_modified]": "9" * 20},
        {"leads[status][0][id]": "9" * 23},
        {
            "leads[update][0][id]": "5",
            "leads[update][0][custom_fields][0][name]": "contract completed",
            "leads[update][0][custom_fields][0][values][0][value]": "9" * 14,
        },
    ],
    ids=["timestamp-out-of-range", "id-beyond-bigint", "date-field-beyond-year-9999"],
)
def test_out_of_range_numbers_are_acknowledged_not_a_server_error(hook, data):
    assert hook(data).status_code == 200


def test_get_is_not_allowed(hook, client):
    assert client.get(f"/hooks/kommo/{SECRET}/").status_code == 405


@time_machine.travel(T0 + timedelta(days=2), tick=False)
def test_a_note_or_contact_edit_counts_as_an_interaction(hook):
    lead = _delivered_lead()
    note_at = T0 + timedelta(days=1)
    _in_kommo(hook, 900001, 1001, note_at)  # a note is a change of its lead
    hook(
        {
            "leads[note][0][note][element_id]": "900001",
            "leads[note][0][note][element_type]": "2",
            "leads[note][0][note][date_create]": str(int(note_at.timestamp())),
        }
    )
    lead.refresh_from_db()
    assert lead.retention_from == note_at

    contact_at = T0 + timedelta(days=1, hours=3)
    hook.kommo.put_contact(800001, updated_at=int(contact_at.timestamp()))
    hook(
        {
            "contacts[update][0][id]": "800001",
            "contacts[update][0][last_modified]": str(int(contact_at.timestamp())),
        }
    )
    lead.refresh_from_db()
    lead.subject.refresh_from_db()
    assert lead.retention_from == lead.subject.last_interaction_at == contact_at


@time_machine.travel(T0 + timedelta(days=200), tick=False)
def test_contract_completion_date_set_in_kommo_starts_the_contract_clock(hook):
    lead = _delivered_lead()
    completed = datetime(2027, 3, 31, tzinfo=UTC)
    contract = {"field_id": 555, "field_name": "Contract completed", "field_code": None}
    contract["values"] = [{"value": int(completed.timestamp())}]
    _in_kommo(hook, 900001, 142, T0, custom_fields=[contract])
    hook(
        {
            "leads[update][0][id]": "900001",
            "leads[update][0][status_id]": "142",
            "leads[update][0][last_modified]": str(int(T0.timestamp())),
            "leads[update][0][custom_fields][0][id]": "555",
            "leads[update][0][custom_fields][0][name]": "Contract completed",
            "leads[update][0][custom_fields][0][values][0][value]": str(int(completed.timestamp())),
        }
    )
    lead.refresh_from_db()
    assert lead.contract_completed_at == completed
    assert lead.won_at == T0


def test_an_interaction_in_the_future_is_clamped_to_now(hook):
    lead = _delivered_lead()
    _in_kommo(hook, 900001, 1002, timezone.now() + timedelta(days=365))
    hook(_status(900001, 1002, timezone.now() + timedelta(days=365)))
    lead.refresh_from_db()
    assert lead.retention_from <= timezone.now()


def test_the_poll_applies_changes_made_in_kommo(kommo):
    # Kommo's clock stands still: the leads created on delivery and the status change share a
    # second, as the re-poll below assumes (a real second boundary between them made it flaky).
    frozen = float(int(time.time()))
    kommo.clock = lambda: frozen
    lead = make_lead()
    other = make_lead(name="Anna", phone="+79035550000", email="anna@example.com")
    deliver_batch()
    lead.refresh_from_db()
    kommo.set_status(lead.kommo_lead_id, 142)
    # A lead that someone else created in Kommo is not ours: skipped.
    kommo.leads[1] = dict(kommo.lead_by_marker(f"lk-{other.pk}"), id=1, tags=[])

    report = poll_changes(sleep=lambda s: None)

    assert report.applied == 2 and report.skipped == 1
    lead.refresh_from_db()
    assert lead.crm_status == "won" and lead.won_at is not None
    assert KommoState.objects.get(pk=1).poll_cursor is not None
    # Polling again finds the same changes: nothing is applied twice.
    again = poll_changes(sleep=lambda s: None)
    assert again.applied == 0 and again.duplicate == 2


def test_processed_changes_are_forgotten_after_ninety_days_by_the_retention_sweep(hook):
    # One place expires them: the register's "operational" rule, applied by the sweep.
    from retention.services.sweep import sweep

    with time_machine.travel(T0, tick=False):
        hook(_status(123456789, 142, T0))
    with time_machine.travel(T0 + timedelta(days=89), tick=False):
        poll_changes(sleep=lambda s: None)  # the poll no longer prunes them itself
        sweep(duty=1.0)
    assert KommoEvent.objects.count() == 1
    with time_machine.travel(T0 + timedelta(days=91), tick=False):
        sweep(duty=1.0)
    assert not KommoEvent.objects.exists()


@time_machine.travel(T0 + timedelta(hours=1), tick=False)
def test_a_stage_change_moves_the_subject_clock_and_a_late_older_one_never_moves_it_back(hook):
    lead = _delivered_lead()
    _in_kommo(hook, 900001, 1002, T0)
    hook(_status(900001, 1002, T0))
    hook(_status(900001, 1003, T0 - timedelta(days=2)))
    lead.subject.refresh_from_db()
    assert lead.subject.last_interaction_at == T0


@time_machine.travel(T0 + timedelta(hours=1), tick=False)
def test_a_forged_hook_whose_change_kommo_does_not_hold_moves_no_clock(hook):
    """Hooks are unsigned: the change is read back from Kommo's API before it counts."""
    lead = _delivered_lead()
    untouched = T0 - timedelta(days=30)
    _in_kommo(hook, 900001, 1001, untouched)  # Kommo: still in the first stage, unchanged

    response = hook(_status(900001, 142, T0))  # the forger: "won, just now"

    assert response.status_code == 200
    lead.refresh_from_db()
    lead.subject.refresh_from_db()
    assert lead.won_at is None and lead.crm_status != "won"
    assert lead.retention_from == lead.subject.last_interaction_at == untouched
    assert hook.kommo.calls("GET", "/api/v4/leads/900001")  # it was asked


@time_machine.travel(T0 + timedelta(hours=1), tick=False)
def test_a_hook_about_a_lead_kommo_does_not_have_is_skipped(hook):
    lead = _delivered_lead()

    assert hook(_status(900001, 142, T0)).status_code == 200

    lead.refresh_from_db()
    assert lead.won_at is None and not KommoEvent.objects.exists()


@time_machine.travel(T0 + timedelta(hours=1), tick=False)
def test_a_hook_from_another_account_is_refused(hook):
    lead = _delivered_lead()
    _in_kommo(hook, 900001, 142, T0)
    data = _status(900001, 142, T0)
    data["account[id]"], data["account[subdomain]"] = "42", "somebody-else"

    response = hook(data)

    assert response.status_code == 200  # acknowledged at once; refused by the worker
    failed = KommoInbox.objects.get()
    assert failed.state == "failed" and "account 42" in failed.error
    lead.refresh_from_db()
    assert lead.won_at is None and not KommoEvent.objects.exists()
    assert hook.kommo.calls("GET", "/api/v4/leads/900001") == []


def test_our_account_may_be_configured_instead_of_asked(hook, settings):
    settings.KOMMO_ACCOUNT_ID = 77
    _delivered_lead()
    _in_kommo(hook, 900001, 142, T0)

    hook(_status(900001, 142, T0))  # the hook says 31000000: refused, kept for staff
    assert KommoInbox.objects.get().state == "failed"
    data = _status(900001, 142, T0)
    data["account[id]"] = "77"
    assert hook(data).status_code == 200
    assert hook.kommo.calls("GET", "/api/v4/account") == []
