"""Kommo's changes flowing back: webhooks and, for accounts without them, a poll.

A change to a lead we delivered (a stage change, an edit, a note, an edit of its contact)
is an interaction: it moves the lead's retention clock and the subject's last interaction
(policy §5: contact data is kept 3 years from the last interaction). A move to the won stage
(142) makes the person a client; the contract clock starts at the completion date set in
Kommo (a lead date field) or by staff. Every change is applied once: a digest of it is
stored, ids only, so Kommo's repeated webhooks and overlapping polls change nothing twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from capture.models import Lead
from integrations.kommo.client import KommoClient
from integrations.kommo.errors import KommoError
from integrations.kommo.payloads import LOST_STATUS_ID, WON_STATUS_ID
from integrations.kommo.webhooks import KommoChange, Webhook, parse_time, parse_webhook
from subjects.services import record_interaction

from . import pacing
from .errors import WebhookFromForeignAccount
from .models import KommoEvent
from .selectors import kommo_configured

logger = logging.getLogger(__name__)

POLL_FIRST_LOOKBACK_SECONDS = 24 * 3600
POLL_MAX_PAGES = 20


# --- applying --------------------------------------------------------------------------------


def crm_status_label(status_id: int) -> str:
    if status_id == WON_STATUS_ID:
        return "won"
    if status_id == LOST_STATUS_ID:
        return "lost"
    return f"stage {status_id}"


def _newer_status_known(change: KommoChange) -> bool:
    """An older change arriving late must not overwrite a newer stage."""
    if change.occurred_at is None:
        return False
    return KommoEvent.objects.filter(
        entity="leads",
        kommo_id=change.kommo_id,
        status_id__isnull=False,
        occurred_at__gt=change.occurred_at,
        outcome=KommoEvent.Outcome.APPLIED,
    ).exists()


def _apply_to_lead(lead: Lead, change: KommoChange, at: datetime) -> list[str]:
    changed: list[str] = []
    if at > lead.retention_from:
        lead.retention_from = at
        changed.append("retention_from")
    if change.entity == "leads" and change.status_id is not None:
        if not _newer_status_known(change):
            label = crm_status_label(change.status_id)
            if lead.crm_status != label:
                lead.crm_status = label
                changed.append("crm_status")
        if change.status_id == WON_STATUS_ID and lead.won_at is None:
            lead.won_at = change.closed_at or at
            changed.append("won_at")
    if change.contract_completed_at and lead.contract_completed_at != change.contract_completed_at:
        lead.contract_completed_at = change.contract_completed_at
        changed.append("contract_completed_at")
    if changed:
        lead.save(update_fields=changed)
    return changed


@transaction.atomic
def apply_change(change: KommoChange, *, source: str) -> str:
    """Apply one change once; 'applied', 'unknown' or 'duplicate'."""
    digest = change.digest()
    if KommoEvent.objects.filter(digest=digest).exists():
        return "duplicate"
    # Locked: a webhook and a poll about the same lead at once must not both read the old
    # clocks and let the later save move retention_from back (PostgreSQL; SQLite's
    # IMMEDIATE transactions already serialise this).
    leads = Lead.objects.select_for_update()
    if change.entity == "leads":
        leads = list(leads.filter(kommo_lead_id=change.kommo_id))
    else:
        leads = list(leads.filter(kommo_contact_id=change.kommo_id))
    now = timezone.now()
    at = min(change.occurred_at or now, now)
    outcome = KommoEvent.Outcome.APPLIED if leads else KommoEvent.Outcome.UNKNOWN
    try:
        with transaction.atomic():
            KommoEvent.objects.create(
                source=source,
                entity=change.entity,
                action=change.action,
                kommo_id=change.kommo_id,
                status_id=change.status_id,
                occurred_at=change.occurred_at,
                digest=digest,
                outcome=outcome,
            )
    except IntegrityError:
        return "duplicate"  # the same webhook, processed by another request at this moment
    if not leads:
        logger.info(
            "crm.inbound.unknown",
            extra={"entity": change.entity, "kommo_id": change.kommo_id, "source": source},
        )
        return "unknown"
    for lead in leads:
        changed = _apply_to_lead(lead, change, at)
        if lead.subject is not None:
            record_interaction(subject=lead.subject, at=at, source=f"kommo {source}")
        if changed:
            record_event(
                actor="kommo",
                action="lead.updated_from_kommo",
                subject_id=lead.subject_id,
                obj=lead,
                reason=f"Kommo {source}: {change.entity} {change.action} (policy §5 clocks)",
                data={"fields": changed, "status_id": change.status_id},
            )
    logger.info(
        "crm.inbound.applied",
        extra={"entity": change.entity, "kommo_id": change.kommo_id, "leads": len(leads)},
    )
    return "applied"


@dataclass
class InboundReport:
    applied: int = 0
    unknown: int = 0
    duplicate: int = 0
    skipped: int = 0
    stopped: str = ""

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def __str__(self) -> str:
        text = (
            f"applied {self.applied}, unknown {self.unknown}, duplicate {self.duplicate}, "
            f"skipped {self.skipped}"
        )
        return f"{text}; stopped: {self.stopped}" if self.stopped else text


def _refuse_foreign(hook: Webhook) -> None:
    """Kommo's hooks are unsigned: one that names another account (or none) is not ours."""
    ours = pacing.our_account()
    if hook.account_id is not None and hook.account_id == ours.id:
        return
    if hook.subdomain and ours.subdomain and hook.subdomain == ours.subdomain:
        return
    raise WebhookFromForeignAccount(
        f"a Kommo webhook for account {hook.account_id} ({hook.subdomain or 'no subdomain'}); "
        f"ours is {ours.id}"
    )


def _known(change: KommoChange) -> bool:
    leads = Lead.objects.all()
    if change.entity == "leads":
        return leads.filter(kommo_lead_id=change.kommo_id).exists()
    return leads.filter(kommo_contact_id=change.kommo_id).exists()


def _read_back(change: KommoChange, client: KommoClient) -> KommoChange | None:
    """What Kommo's API says now about the entity a hook named (None: no such entity).

    A hook is only a hint: anyone who learns the URL can send one, so the clocks move by
    what the API (authenticated by our token) reports, as the poll does.
    """
    wait = pacing.reserve_request_slot()
    if wait is None:
        raise KommoError("Kommo is blocked or paused: the change is left to the poll")
    pacing.sleep(wait)
    if change.entity == "contacts":
        contact = client.get_contact(change.kommo_id)
        if contact is None:
            return None
        at = parse_time(contact.updated_at)
        return KommoChange(entity="contacts", action="update", kommo_id=contact.id, occurred_at=at)
    lead = client.get_lead(change.kommo_id)
    if lead is None:
        return None
    contract_field = settings.KOMMO_CONTRACT_COMPLETED_FIELD_ID
    return KommoChange.from_lead(lead, action="update", contract_field_id=contract_field)


def _confirmed(change: KommoChange, client: KommoClient, report: InboundReport) -> None:
    if not _known(change):
        # Not one of ours: acknowledged (and remembered) without asking Kommo.
        report.count(apply_change(change, source=KommoEvent.Source.WEBHOOK))
        return
    try:
        current = _read_back(change, client)
    except KommoError as error:
        logger.warning("crm.webhook.read_back_failed", extra={"status": error.status})
        report.skipped += 1
        return
    if current is None:
        logger.warning("crm.webhook.not_in_kommo", extra={"kommo_id": change.kommo_id})
        report.skipped += 1
        return
    report.count(apply_change(current, source=KommoEvent.Source.WEBHOOK))


def process_webhook(items: Iterable[tuple[str, str]]) -> InboundReport:
    """Apply what a hook announces, as Kommo's API confirms it (raises for a foreign account)."""
    report = InboundReport()
    hook = parse_webhook(items, contract_field_id=settings.KOMMO_CONTRACT_COMPLETED_FIELD_ID)
    if not hook.changes:
        logger.info("crm.webhook.nothing_to_apply")
        return report
    if not kommo_configured():
        report.stopped = "Kommo not configured: nothing can be confirmed"
        report.skipped += len(hook.changes)
        return report
    _refuse_foreign(hook)
    client = pacing.shared_client()
    for change in hook.changes:
        _confirmed(change, client, report)
    return report


def poll_changes(*, client=None, sleep=None) -> InboundReport:
    """Read leads Kommo changed since the cursor, apply those we know, move the cursor."""
    sleep = sleep or pacing.sleep
    report = InboundReport()
    # Processed changes (KommoEvent) expire by the register's "operational" rule, in the
    # retention sweep: one place decides how long they are kept (policy §5).
    pacing.resume_delivery_if_due()
    if pacing.delivery_paused():
        report.stopped = "paused"
        return report
    cursor = pacing.poll_cursor() or int(timezone.now().timestamp()) - POLL_FIRST_LOOKBACK_SECONDS
    newest = cursor
    own = client is None
    client = client or pacing.make_client()
    try:
        for page in range(1, POLL_MAX_PAGES + 1):
            wait = pacing.reserve_request_slot()
            if wait is None:
                report.stopped = "blocked"
                break
            sleep(wait)
            try:
                result = client.leads_updated_since(cursor, page=page)
            except KommoError as error:
                report.stopped = f"{type(error).__name__} ({error.status})"
                logger.warning("crm.poll.failed", extra={"status": error.status})
                break
            known = set(
                Lead.objects.filter(
                    kommo_lead_id__in=[lead.id for lead in result.leads]
                ).values_list("kommo_lead_id", flat=True)
            )
            for lead in result.leads:
                newest = max(newest, lead.updated_at or 0)
                if lead.id not in known:
                    report.skipped += 1
                    continue
                change = KommoChange.from_lead(
                    lead, contract_field_id=settings.KOMMO_CONTRACT_COMPLETED_FIELD_ID
                )
                report.count(apply_change(change, source=KommoEvent.Source.POLL))
            if not result.has_next:
                break
    finally:
        if own:
            client.close()
    if newest > cursor:
        # `from` is inclusive: the leads at `newest` come again next time, and dedupe by digest.
        pacing.advance_poll_cursor(newest)
    return report
