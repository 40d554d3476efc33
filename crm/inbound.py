"""Kommo's changes flowing back: webhooks and, for accounts without them, a poll.

A change to a lead we delivered (a stage change, an edit, a note, an edit of its contact)
is an interaction: it moves the lead's retention clock and the subject's last interaction
(policy §5: contact data is kept 3 years from the last interaction). A move to the won stage
(142) makes the person a client; the contract clock starts at the completion date set in
Kommo (a lead date field) or by staff. Every change is applied once: a digest of it is
stored, ids only, so Kommo's repeated webhooks and overlapping polls change nothing twice.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import record_event
from capture.models import Lead
from integrations.kommo.errors import KommoError
from integrations.kommo.payloads import LOST_STATUS_ID, WON_STATUS_ID, KommoLead
from subjects.services import record_interaction

from . import pacing
from .models import KommoEvent

logger = logging.getLogger(__name__)

# A lead date field named like this holds the contract completion date (or set the id in
# KOMMO_CONTRACT_COMPLETED_FIELD_ID).
CONTRACT_FIELD_NAMES = {
    "contract completed",
    "contract completion date",
    "contract completed at",
    "дата завершения договора",
}
POLL_FIRST_LOOKBACK_SECONDS = 24 * 3600
POLL_MAX_PAGES = 20
EVENT_KEEP_DAYS = 90
_KEY = re.compile(r"\[([^\]]*)\]")


@dataclass(frozen=True)
class KommoChange:
    entity: str  # "leads" | "contacts"
    action: str  # status | update | add | note | restore | responsible | poll
    kommo_id: int
    status_id: int | None = None
    occurred_at: datetime | None = None
    closed_at: datetime | None = None
    contract_completed_at: datetime | None = None

    def digest(self) -> str:
        parts = [
            self.entity,
            self.action if self.action != "poll" else "update",
            str(self.kommo_id),
            str(self.status_id),
            self.occurred_at.isoformat() if self.occurred_at else "",
            self.contract_completed_at.isoformat() if self.contract_completed_at else "",
        ]
        return hashlib.sha256("|".join(parts).encode()).hexdigest()


# --- parsing ---------------------------------------------------------------------------------


def parse_form(items: Iterable[tuple[str, str]]) -> dict:
    """`leads[status][0][id]=1` pairs -> nested dicts ({"leads": {"status": {"0": {...}}}})."""
    root: dict = {}
    for key, value in items:
        head = key.split("[", 1)[0]
        path = [head, *_KEY.findall(key[len(head) :])]
        node = root
        for part in path[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[path[-1]] = value
    return root


_MAX_ID = 2**63 - 1  # a BigIntegerField; a larger "id" is malformed, not a Kommo id


def _int(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -_MAX_ID <= number <= _MAX_ID else None


def _time(value: object) -> datetime | None:
    """Kommo sends Unix timestamps; date fields may also come as dd.mm.yyyy or ISO dates."""
    if value in (None, ""):
        return None
    number = _int(value)
    if number is not None:
        try:
            return datetime.fromtimestamp(number, tz=UTC) if number > 0 else None
        except (OverflowError, OSError, ValueError):  # beyond year 9999: malformed
            return None
    text = str(value).strip()
    for fmt in ("%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"):
        try:
            parsed = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _is_contract_field(field_id: object, name: object) -> bool:
    wanted = settings.KOMMO_CONTRACT_COMPLETED_FIELD_ID
    if wanted:
        return _int(field_id) == int(wanted)
    return str(name or "").strip().lower() in CONTRACT_FIELD_NAMES


def _contract_date_from_webhook(fields: Mapping) -> datetime | None:
    for custom in (fields.get("custom_fields") or {}).values():
        if not isinstance(custom, Mapping):
            continue
        if _is_contract_field(custom.get("id"), custom.get("name")):
            values = custom.get("values") or {}
            for value in values.values() if isinstance(values, Mapping) else []:
                raw = value.get("value") if isinstance(value, Mapping) else value
                if (when := _time(raw)) is not None:
                    return when
    return None


def changes_from_webhook(data: Mapping) -> list[KommoChange]:
    """The changes a Kommo webhook body describes; anything unrecognised is skipped."""
    changes: list[KommoChange] = []
    for entity in ("leads", "contacts"):
        actions = data.get(entity)
        if not isinstance(actions, Mapping):
            continue
        for action, items in actions.items():
            if action == "delete" or not isinstance(items, Mapping):
                continue
            for fields in items.values():
                if not isinstance(fields, Mapping):
                    continue
                if action == "note":
                    note = fields.get("note") if isinstance(fields.get("note"), Mapping) else {}
                    kommo_id = _int(note.get("element_id"))
                    occurred = _time(
                        note.get("date_create")
                        or note.get("created_at")
                        or note.get("last_modified")
                    )
                    status_id = None
                    closed = None
                    contract = None
                else:
                    kommo_id = _int(fields.get("id"))
                    occurred = _time(
                        fields.get("last_modified")
                        or fields.get("updated_at")
                        or fields.get("date_create")
                        or fields.get("created_at")
                    )
                    status_id = _int(fields.get("status_id")) if entity == "leads" else None
                    closed = _time(fields.get("closed_at") or fields.get("date_close"))
                    contract = _contract_date_from_webhook(fields) if entity == "leads" else None
                if kommo_id is None:
                    continue
                changes.append(
                    KommoChange(
                        entity=entity,
                        action=str(action)[:16],
                        kommo_id=kommo_id,
                        status_id=status_id,
                        occurred_at=occurred,
                        closed_at=closed,
                        contract_completed_at=contract,
                    )
                )
    return changes


def change_from_polled(lead: KommoLead) -> KommoChange:
    contract = None
    for custom in lead.custom_fields:
        if _is_contract_field(custom.field_id, custom.field_name):
            contract = next((t for v in custom.values if (t := _time(v))), None)
    return KommoChange(
        entity="leads",
        action="poll",
        kommo_id=lead.id,
        status_id=lead.status_id,
        occurred_at=_time(lead.updated_at),
        closed_at=_time(lead.closed_at),
        contract_completed_at=contract,
    )


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


def prune_events(*, keep_days: int = EVENT_KEEP_DAYS) -> int:
    """Forget processed changes after a while: Kommo repeats a webhook within hours, not months."""
    cutoff = timezone.now() - timedelta(days=keep_days)
    deleted, _ = KommoEvent.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def process_webhook(items: Iterable[tuple[str, str]]) -> InboundReport:
    report = InboundReport()
    changes = changes_from_webhook(parse_form(items))
    if not changes:
        logger.info("crm.webhook.nothing_to_apply")
    for change in changes:
        report.count(apply_change(change, source=KommoEvent.Source.WEBHOOK))
    return report


def poll_changes(*, client=None, sleep=None) -> InboundReport:
    """Read leads Kommo changed since the cursor, apply those we know, move the cursor."""
    import time

    from .delivery import make_client

    sleep = sleep or time.sleep
    report = InboundReport()
    prune_events()
    if pacing.delivery_paused():
        report.stopped = "paused"
        return report
    state = pacing.kommo_state()
    cursor = state.poll_cursor or int(timezone.now().timestamp()) - POLL_FIRST_LOOKBACK_SECONDS
    newest = cursor
    own = client is None
    client = client or make_client()
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
                report.count(apply_change(change_from_polled(lead), source=KommoEvent.Source.POLL))
            if not result.has_next:
                break
    finally:
        if own:
            client.close()
    if newest > cursor:
        # `from` is inclusive: the leads at `newest` come again next time, and dedupe by digest.
        type(state).objects.filter(pk=state.pk).update(poll_cursor=newest)
    return report
