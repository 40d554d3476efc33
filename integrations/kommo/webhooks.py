"""Parse Kommo's webhooks: an urlencoded form of nested keys (`leads[status][0][id]=1`).

Kommo sends a change of leads or contacts (developers.kommo.com, "Webhooks") as
application/x-www-form-urlencoded, times as Unix timestamps, and the account it comes from
(`account[id]`, `account[subdomain]`). Hooks are not signed: what a hook says is a hint of
what changed, to be read back from the API before it is believed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl

from .payloads import KommoLead

# Kommo sends a bulk change (a stage change of a few hundred leads) as one form body: far
# past Django's DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000), which would drop every change in it.
MAX_FORM_FIELDS = 100_000
# A lead date field named like this holds the contract completion date (unless its id is
# configured).
CONTRACT_FIELD_NAMES = {
    "contract completed",
    "contract completion date",
    "contract completed at",
    "дата завершения договора",
}
_KEY = re.compile(r"\[([^\]]*)\]")
_MAX_ID = 2**63 - 1  # a BigIntegerField; a larger "id" is malformed, not a Kommo id


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

    @classmethod
    def from_lead(
        cls, lead: KommoLead, *, action: str = "poll", contract_field_id: int | None = None
    ) -> KommoChange:
        """The change a lead as the API lists it stands for (what the poll and re-reads see)."""
        contract = None
        for custom in lead.custom_fields:
            if is_contract_field(custom.field_id, custom.field_name, contract_field_id):
                contract = next((t for v in custom.values if (t := parse_time(v))), None)
        return cls(
            entity="leads",
            action=action,
            kommo_id=lead.id,
            status_id=lead.status_id,
            occurred_at=parse_time(lead.updated_at),
            closed_at=parse_time(lead.closed_at),
            contract_completed_at=contract,
        )


@dataclass(frozen=True)
class Webhook:
    account_id: int | None
    subdomain: str
    changes: tuple[KommoChange, ...]


def form_items(body: bytes, *, encoding: str = "utf-8") -> list[tuple[str, str]]:
    """The key/value pairs of an urlencoded body, however many (see MAX_FORM_FIELDS)."""
    return parse_qsl(body.decode(encoding), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)


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


def parse_id(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -_MAX_ID <= number <= _MAX_ID else None


def parse_time(value: object) -> datetime | None:
    """Kommo sends Unix timestamps; date fields may also come as dd.mm.yyyy or ISO dates."""
    if value in (None, ""):
        return None
    number = parse_id(value)
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


def is_contract_field(field_id: object, name: object, wanted_id: int | None) -> bool:
    if wanted_id:
        return parse_id(field_id) == int(wanted_id)
    return str(name or "").strip().lower() in CONTRACT_FIELD_NAMES


def _contract_date(fields: Mapping, wanted_id: int | None) -> datetime | None:
    for custom in (fields.get("custom_fields") or {}).values():
        if not isinstance(custom, Mapping):
            continue
        if is_contract_field(custom.get("id"), custom.get("name"), wanted_id):
            values = custom.get("values") or {}
            for value in values.values() if isinstance(values, Mapping) else []:
                raw = value.get("value") if isinstance(value, Mapping) else value
                if (when := parse_time(raw)) is not None:
                    return when
    return None


def _note_change(entity: str, fields: Mapping) -> KommoChange | None:
    note = fields.get("note") if isinstance(fields.get("note"), Mapping) else {}
    kommo_id = parse_id(note.get("element_id"))
    if kommo_id is None:
        return None
    occurred = parse_time(
        note.get("date_create") or note.get("created_at") or note.get("last_modified")
    )
    return KommoChange(entity=entity, action="note", kommo_id=kommo_id, occurred_at=occurred)


def _entity_change(
    entity: str, action: str, fields: Mapping, contract_field_id: int | None
) -> KommoChange | None:
    kommo_id = parse_id(fields.get("id"))
    if kommo_id is None:
        return None
    occurred = parse_time(
        fields.get("last_modified")
        or fields.get("updated_at")
        or fields.get("date_create")
        or fields.get("created_at")
    )
    leads = entity == "leads"
    return KommoChange(
        entity=entity,
        action=action[:16],
        kommo_id=kommo_id,
        status_id=parse_id(fields.get("status_id")) if leads else None,
        occurred_at=occurred,
        closed_at=parse_time(fields.get("closed_at") or fields.get("date_close")),
        contract_completed_at=_contract_date(fields, contract_field_id) if leads else None,
    )


def changes_from_form(data: Mapping, *, contract_field_id: int | None = None) -> list[KommoChange]:
    """The changes a parsed webhook body describes; anything unrecognised is skipped."""
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
                    change = _note_change(entity, fields)
                else:
                    change = _entity_change(entity, str(action), fields, contract_field_id)
                if change is not None:
                    changes.append(change)
    return changes


def parse_webhook(
    items: Iterable[tuple[str, str]], *, contract_field_id: int | None = None
) -> Webhook:
    data = parse_form(items)
    account = data.get("account") if isinstance(data.get("account"), Mapping) else {}
    return Webhook(
        account_id=parse_id(account.get("id")),
        subdomain=str(account.get("subdomain") or "").strip().lower(),
        changes=tuple(changes_from_form(data, contract_field_id=contract_field_id)),
    )
