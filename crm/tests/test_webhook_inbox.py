"""Kommo webhooks: stored in one INSERT and answered, applied by the worker, once."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from crm import webhook_inbox
from crm.models import KommoEvent, KommoInbox
from crm.webhook_inbox import apply_stored_webhooks, inbox_has_work, retry_webhooks
from leadkeeper.models import RateLimitCounter

from .factories import make_lead

pytestmark = pytest.mark.django_db

SECRET = "s3cret-path-token-0123456789"
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
WON = (
    "account%5Bid%5D=31000000&account%5Bsubdomain%5D=kommoexpert"
    "&leads%5Bstatus%5D%5B0%5D%5Bid%5D=900001&leads%5Bstatus%5D%5B0%5D%5Bstatus_id%5D=142"
    f"&leads%5Bstatus%5D%5B0%5D%5Blast_modified%5D={int(T0.timestamp())}"
)


@pytest.fixture
def won_in_kommo(settings, kommo):
    settings.KOMMO_WEBHOOK_SECRET = SECRET
    kommo.rate_limit = None
    lead = make_lead()
    lead.kommo_lead_id, lead.kommo_contact_id = 900001, 800001
    lead.save()
    kommo.put_lead(900001, status_id=142, updated_at=int(T0.timestamp()), closed_at=None)
    return lead


def _post(client, body: str = WON):
    return client.post(
        f"/hooks/kommo/{SECRET}/", body, content_type="application/x-www-form-urlencoded"
    )


def test_a_hook_is_answered_after_one_insert_and_nothing_applied(client, won_in_kommo):
    with CaptureQueriesContext(connection) as queries:
        assert _post(client).status_code == 200
    # The address's flood counter (leadkeeper.middleware, every /hooks/ POST), then the inbox row.
    inserts = [q["sql"].split()[:3] for q in queries.captured_queries]
    assert inserts == [
        ["INSERT", "INTO", RateLimitCounter._meta.db_table],
        ["INSERT", "INTO", f'"{KommoInbox._meta.db_table}"'],
    ], inserts
    assert KommoInbox.objects.get().state == "pending"
    assert inbox_has_work() and not KommoEvent.objects.exists()


@time_machine.travel(T0 + timedelta(hours=1), tick=False)
def test_a_hook_whose_worker_was_killed_is_applied_after_restart_once(client, won_in_kommo):
    _post(client)
    inbox_id = KommoInbox.objects.get().pk
    # A worker claims it, applies it, and is killed before it deletes the row.
    assert webhook_inbox._claim(inbox_id)
    from crm.inbound import process_webhook
    from integrations.kommo.webhooks import form_items

    process_webhook(form_items(WON.encode()))
    assert apply_stored_webhooks() == []  # its lease still holds: nobody else takes it
    with time_machine.travel(T0 + timedelta(hours=1) + webhook_inbox.LEASE * 2, tick=False):
        (output,) = apply_stored_webhooks()  # the restarted worker
    assert output.startswith("applied 0, unknown 0, duplicate 1")
    won_in_kommo.refresh_from_db()
    assert won_in_kommo.crm_status == "won"
    assert KommoEvent.objects.count() == 1 and not KommoInbox.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="crm.").count() <= 1


def test_a_body_that_cannot_be_applied_is_kept_with_its_error_for_staff(client, won_in_kommo):
    _post(client, "account%5Bid%5D=42&leads%5Bstatus%5D%5B0%5D%5Bid%5D=900001")
    (output,) = apply_stored_webhooks()
    assert output == "failed: foreign account"
    kept = KommoInbox.objects.get()
    assert kept.state == "failed" and kept.attempts == 1 and "account 42" in kept.error
    assert not inbox_has_work()
    assert retry_webhooks(inbox_ids=[kept.pk]) == 1
    assert inbox_has_work()


def test_hooks_wait_while_kommo_is_not_configured(client, won_in_kommo, settings):
    settings.KOMMO_BASE_URL = settings.KOMMO_ACCESS_TOKEN = ""
    _post(client)
    assert not inbox_has_work()  # the scheduler does not wake the worker for nothing
    assert apply_stored_webhooks()[0].startswith("waiting")
    assert KommoInbox.objects.get().state == "pending"
