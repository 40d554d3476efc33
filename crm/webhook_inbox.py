"""Kommo webhooks: stored at once by the endpoint, applied by the worker (issue 9).

The endpoint pays one INSERT and answers, so even a bulk hook of 250 leads is acknowledged
well within Kommo's patience; applying (reading each change back from Kommo's API, paced)
happens here. Rows are claimed under a lease, not a transaction, so no database lock is
held during Kommo requests; a worker killed mid-way leaves the row to be claimed again,
and the changes it applied already are duplicates by their KommoEvent digest: once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from integrations.kommo.webhooks import form_items
from leadkeeper.logging import redact

from .errors import WebhookFromForeignAccount
from .inbound import process_webhook
from .models import KommoInbox
from .selectors import kommo_configured

logger = logging.getLogger(__name__)

# Far above the time a bulk hook takes at Kommo's 7 requests/s (250 read-backs: ~40 s).
LEASE = timedelta(minutes=5)
MAX_PER_RUN = 20


def store_webhook(*, body: bytes, encoding: str) -> int:
    """Keep a hook's urlencoded body for the worker: one INSERT, no parsing."""
    return KommoInbox.objects.create(body=body, encoding=encoding).pk


def _claimable() -> Q:
    now = timezone.now()
    return Q(state=KommoInbox.State.PENDING) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def inbox_has_work() -> bool:
    """Read by the scheduler each second: a hook waits and Kommo can confirm it."""
    return kommo_configured() and KommoInbox.objects.filter(_claimable()).exists()


def _claim(inbox_id: int) -> bool:
    return bool(
        KommoInbox.objects.filter(_claimable(), pk=inbox_id).update(
            claimed_until=timezone.now() + LEASE
        )
    )


def _fail(inbox_id: int, error: str) -> None:
    KommoInbox.objects.filter(pk=inbox_id).update(
        state=KommoInbox.State.FAILED, error=redact(error)[:2000], claimed_until=None
    )
    logger.warning("crm.webhook.failed", extra={"inbox_id": inbox_id})


def apply_stored_webhook(*, inbox_id: int) -> str:
    """Apply one stored hook; delete it when done, keep it FAILED (with why) when it cannot be."""
    if not _claim(inbox_id):
        return f"webhook {inbox_id} is not waiting (applied, failed or claimed)"
    row = KommoInbox.objects.get(pk=inbox_id)
    KommoInbox.objects.filter(pk=inbox_id).update(attempts=row.attempts + 1)
    try:
        items = form_items(bytes(row.body), encoding=row.encoding)
    except (ValueError, UnicodeDecodeError) as error:
        _fail(inbox_id, f"the body is not an urlencoded form: {error}")
        return "failed: malformed"
    try:
        report = process_webhook(items)
    except WebhookFromForeignAccount as error:
        _fail(inbox_id, str(error))
        return "failed: foreign account"
    except Exception as error:  # unexpected: kept for staff, never dropped
        _fail(inbox_id, f"{type(error).__name__}: {error}")
        logger.exception("crm.webhook.apply_failed", extra={"inbox_id": inbox_id})
        return "failed: error"
    if report.stopped:  # Kommo not configured: keep it for when it is
        KommoInbox.objects.filter(pk=inbox_id).update(claimed_until=None)
        return f"waiting: {report.stopped}"
    KommoInbox.objects.filter(pk=inbox_id).delete()
    logger.info(
        "crm.webhook.applied",
        extra={
            "applied": report.applied,
            "unknown": report.unknown,
            "duplicate": report.duplicate,
            "skipped": report.skipped,
        },
    )
    return str(report)


def apply_stored_webhooks(*, limit: int = MAX_PER_RUN) -> list[str]:
    """Apply the waiting hooks, oldest first (Kommo's order matters for stage changes)."""
    ids = list(
        KommoInbox.objects.filter(_claimable())
        .order_by("received_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return [apply_stored_webhook(inbox_id=inbox_id) for inbox_id in ids]


def retry_webhooks(*, inbox_ids: list[int]) -> int:
    """Staff fixed the cause (e.g. the account id): failed hooks wait to be applied again."""
    return KommoInbox.objects.filter(pk__in=inbox_ids, state=KommoInbox.State.FAILED).update(
        state=KommoInbox.State.PENDING, claimed_until=None
    )
