"""Typed shapes of what we send to and read from Kommo's API v4.

Documented at developers.kommo.com: "Complex addition of leads with contact and company"
(POST /api/v4/leads/complex), "Add incoming leads from the type form"
(POST /api/v4/leads/unsorted/forms), "Leads list" (GET /api/v4/leads), "Contacts list"
(GET /api/v4/contacts), "Custom fields" (multitext PHONE/EMAIL with an enum code, tracking
data fields by field_code).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# System pipeline stages every Kommo pipeline has (developers.kommo.com, "Pipelines").
WON_STATUS_ID = 142
LOST_STATUS_ID = 143

# Tracking-data lead fields Kommo creates in every account, addressed by field_code.
TRACKING_FIELD_CODES = {
    "utm_source": "UTM_SOURCE",
    "utm_medium": "UTM_MEDIUM",
    "utm_campaign": "UTM_CAMPAIGN",
    "utm_term": "UTM_TERM",
    "utm_content": "UTM_CONTENT",
    "referrer": "REFERRER",
    "gclid": "GCLID",
    "yclid": "YCLID",
    "fbclid": "FBCLID",
}

MAX_LEADS_PER_REQUEST = 50  # leads/complex and unsorted/forms both take at most 50 items


def _text_field(code: str, value: str) -> dict[str, Any]:
    return {"field_code": code, "values": [{"value": value}]}


@dataclass(frozen=True)
class ContactIn:
    """The lead's one contact: a new one (name, phone, email) or an existing Kommo contact."""

    name: str = ""
    phone: str = ""  # E.164
    email: str = ""
    kommo_id: int | None = None

    def to_kommo(self) -> dict[str, Any]:
        if self.kommo_id:
            # A returning person: link the contact Kommo already has instead of a new one.
            return {"id": self.kommo_id}
        values: list[dict[str, Any]] = []
        if self.phone:
            values.append(
                {"field_code": "PHONE", "values": [{"value": self.phone, "enum_code": "WORK"}]}
            )
        if self.email:
            values.append(
                {"field_code": "EMAIL", "values": [{"value": self.email, "enum_code": "WORK"}]}
            )
        contact: dict[str, Any] = {"name": self.name}
        if values:
            contact["custom_fields_values"] = values
        return contact


@dataclass(frozen=True)
class FormMetadata:
    """Metadata of an incoming lead of the forms category (Kommo "Metadata objects")."""

    form_id: str
    form_name: str
    form_page: str
    form_sent_at: int
    referer: str = ""
    ip: str = ""
    visitor_uid: str = ""

    def to_kommo(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "form_id": self.form_id,
            "form_name": self.form_name,
            "form_page": self.form_page,
            "form_sent_at": self.form_sent_at,
        }
        for key in ("referer", "ip", "visitor_uid"):
            if getattr(self, key):
                data[key] = getattr(self, key)
        return data


@dataclass(frozen=True)
class LeadIn:
    """One lead to create, marked with our own id (request_id and a tag) for exactly-once."""

    request_id: str
    name: str
    contact: ContactIn
    tags: tuple[str, ...] = ()
    tracking: tuple[tuple[str, str], ...] = ()  # (field_code, value)
    pipeline_id: int | None = None
    status_id: int | None = None
    created_at: int | None = None

    def _lead_body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name}
        if self.tracking:
            body["custom_fields_values"] = [_text_field(c, v) for c, v in self.tracking]
        if self.tags:
            body["_embedded"] = {"tags": [{"name": tag} for tag in self.tags]}
        return body

    def to_complex(self) -> dict[str, Any]:
        body = self._lead_body()
        body["request_id"] = self.request_id
        if self.pipeline_id:
            body["pipeline_id"] = self.pipeline_id
        if self.status_id:
            body["status_id"] = self.status_id
        if self.created_at:
            body["created_at"] = self.created_at
        embedded = body.setdefault("_embedded", {})
        embedded["contacts"] = [self.contact.to_kommo()]
        return body

    def to_unsorted(
        self, *, source_uid: str, source_name: str, metadata: FormMetadata
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "request_id": self.request_id,
            "source_uid": source_uid,
            "source_name": source_name,
            "metadata": metadata.to_kommo(),
            "_embedded": {
                "leads": [self._lead_body()],
                "contacts": [self.contact.to_kommo()],
            },
        }
        if self.pipeline_id:
            body["pipeline_id"] = self.pipeline_id
        if self.created_at:
            body["created_at"] = self.created_at
        return body


@dataclass(frozen=True)
class CreatedLead:
    """Kommo's answer for one item: our request_id and the ids it gave the lead and contact."""

    request_id: str
    lead_id: int
    contact_id: int | None
    merged: bool = False

    @classmethod
    def from_complex(cls, body: Any) -> list[CreatedLead]:
        """POST /api/v4/leads/complex answers [{id, contact_id, request_id: [...], merged}]."""
        created: list[CreatedLead] = []
        for item in body or []:
            request_ids = item.get("request_id") or []
            if isinstance(request_ids, str):
                request_ids = [request_ids]
            created.extend(
                cls(
                    request_id=str(request_id),
                    lead_id=int(item["id"]),
                    contact_id=item.get("contact_id"),
                    merged=bool(item.get("merged")),
                )
                for request_id in request_ids
            )
        return created

    @classmethod
    def from_unsorted(cls, body: Any) -> list[CreatedLead]:
        """POST /api/v4/leads/unsorted/forms answers _embedded.unsorted[] with their leads."""
        created: list[CreatedLead] = []
        for item in ((body or {}).get("_embedded") or {}).get("unsorted") or []:
            embedded = item.get("_embedded") or {}
            leads = embedded.get("leads") or []
            contacts = embedded.get("contacts") or []
            if leads:
                created.append(
                    cls(
                        request_id=str(item.get("request_id", "")),
                        lead_id=int(leads[0]["id"]),
                        contact_id=int(contacts[0]["id"]) if contacts else None,
                    )
                )
        return created


@dataclass(frozen=True)
class KommoContact:
    """A contact as Kommo lists it: its id, the numbers in its PHONE field, its last change."""

    id: int
    phones: tuple[str, ...] = ()
    updated_at: int | None = None

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> KommoContact:
        phones = [
            str(v.get("value") or "")
            for f in data.get("custom_fields_values") or []
            if f.get("field_code") == "PHONE"
            for v in f.get("values") or []
        ]
        return cls(
            id=int(data["id"]),
            phones=tuple(p for p in phones if p),
            updated_at=data.get("updated_at"),
        )

    @classmethod
    def list_from_api(cls, body: Any) -> list[KommoContact]:
        """GET /api/v4/contacts: _embedded.contacts[]; an empty list comes as 204 (None)."""
        return [
            cls.from_api(c) for c in ((body or {}).get("_embedded") or {}).get("contacts") or []
        ]


@dataclass(frozen=True)
class CustomFieldValue:
    field_id: int | None
    field_code: str
    field_name: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class KommoLead:
    """A lead as Kommo lists it (only what we read back)."""

    id: int
    name: str
    status_id: int | None
    pipeline_id: int | None
    created_at: int | None
    updated_at: int | None
    closed_at: int | None
    tags: tuple[str, ...] = ()
    contact_ids: tuple[int, ...] = ()
    custom_fields: tuple[CustomFieldValue, ...] = field(default=())

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> KommoLead:
        embedded = data.get("_embedded") or {}
        fields = []
        for f in data.get("custom_fields_values") or []:
            fields.append(
                CustomFieldValue(
                    field_id=f.get("field_id"),
                    field_code=str(f.get("field_code") or ""),
                    field_name=str(f.get("field_name") or ""),
                    values=tuple(v.get("value") for v in f.get("values") or []),
                )
            )
        return cls(
            id=int(data["id"]),
            name=str(data.get("name") or ""),
            status_id=data.get("status_id"),
            pipeline_id=data.get("pipeline_id"),
            created_at=data.get("created_at"),
            updated_at=data.get("updated_at"),
            closed_at=data.get("closed_at"),
            tags=tuple(str(t.get("name")) for t in embedded.get("tags") or []),
            contact_ids=tuple(int(c["id"]) for c in embedded.get("contacts") or []),
            custom_fields=tuple(fields),
        )


@dataclass(frozen=True)
class KommoAccount:  # GET /api/v4/account: which account a token belongs to
    id: int
    subdomain: str

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> KommoAccount:
        return cls(id=int(data["id"]), subdomain=str(data.get("subdomain") or "").lower())


@dataclass(frozen=True)
class LeadsPage:
    leads: tuple[KommoLead, ...]
    has_next: bool

    @classmethod
    def from_api(cls, body: Any, *, limit: int) -> LeadsPage:
        """GET /api/v4/leads: _embedded.leads[] and _links.next while more pages follow."""
        if not body:
            return cls(leads=(), has_next=False)
        items = (body.get("_embedded") or {}).get("leads") or []
        links = body.get("_links") or {}
        return cls(
            leads=tuple(KommoLead.from_api(item) for item in items),
            has_next="next" in links and len(items) >= limit,
        )
