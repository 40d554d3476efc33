"""What we PATCH into Kommo for the rights desk (GDPR Art. 16, 17, 18), in Kommo's API v4 format.

developers.kommo.com "Editing contacts" (PATCH /api/v4/contacts) and "Editing leads"
(PATCH /api/v4/leads): the body is a list of objects, each with its `id`; a custom field is
addressed by `field_code`, and `"values": null` clears it; `tags_to_add` adds tags by name
and keeps the ones already there. The answer is `{"_embedded": {"contacts"|"leads":
[{"id", "updated_at", "request_id"}]}}`.

Kommo's API cannot delete a contact or a lead, so an erasure overwrites what is personal
with empty values and tags the record, which is what a person searching Kommo then sees.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .payloads import TRACKING_FIELD_CODES

ERASED_TAG = "gdpr-erased"
RESTRICTED_TAG = "gdpr-restricted"
# The contact's multitext fields we fill when delivering (payloads.ContactIn).
CONTACT_FIELD_CODES = ("PHONE", "EMAIL")


def _tags(*names: str) -> list[dict[str, str]]:
    return [{"name": name} for name in names]


def _cleared(codes: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    return [{"field_code": code, "values": None} for code in codes]


@dataclass(frozen=True)
class EntityPatch:
    """One object of a PATCH /api/v4/contacts or /api/v4/leads body."""

    id: int
    body: dict[str, Any]

    def to_kommo(self) -> dict[str, Any]:
        return {"id": int(self.id), **self.body}


def erase_contact(contact_id: int) -> EntityPatch:
    """Name, first and last name emptied, phones and emails cleared, tagged gdpr-erased."""
    return EntityPatch(
        contact_id,
        {
            "name": "",
            "first_name": "",
            "last_name": "",
            "custom_fields_values": _cleared(CONTACT_FIELD_CODES),
            "tags_to_add": _tags(ERASED_TAG),
        },
    )


def erase_lead(lead_id: int, *, neutral_name: str) -> EntityPatch:
    """The lead keeps a neutral name (our request number); its tracking fields are cleared."""
    return EntityPatch(
        lead_id,
        {
            "name": neutral_name,
            "custom_fields_values": _cleared(sorted(set(TRACKING_FIELD_CODES.values()))),
            "tags_to_add": _tags(ERASED_TAG),
        },
    )


def restrict(entity_id: int) -> EntityPatch:
    """Art. 18: only a tag, so sales see the record must not be processed."""
    return EntityPatch(entity_id, {"tags_to_add": _tags(RESTRICTED_TAG)})


def rectify_contact(contact_id: int, *, name: str, phone: str, email: str) -> EntityPatch:
    """Art. 16: the corrected values replace what the contact holds (an empty one clears)."""
    fields = [
        {"field_code": code, "values": [{"value": value, "enum_code": "WORK"}] if value else None}
        for code, value in (("PHONE", phone), ("EMAIL", email))
    ]
    return EntityPatch(contact_id, {"name": name, "custom_fields_values": fields})


@dataclass(frozen=True)
class Updated:
    """Kommo's receipt for one patched entity."""

    id: int
    updated_at: int | None

    @classmethod
    def list_from_api(cls, body: Any, *, entity: str) -> list[Updated]:
        items = ((body or {}).get("_embedded") or {}).get(entity) or []
        return [cls(id=int(i["id"]), updated_at=i.get("updated_at")) for i in items]
