"""What of a lead goes to Kommo, and in which shape: only what the register says we share.

The register's recipient "kommo" lists the categories disclosed to Kommo (policy §6: name,
phone, email, lead source); a category removed there stops being sent here.
"""

from __future__ import annotations

from django.conf import settings

from capture.models import Lead
from integrations.kommo.payloads import TRACKING_FIELD_CODES, ContactIn, FormMetadata, LeadIn
from register.selectors import recipient

FORM_ID = "leadkeeper-contact"
FORM_NAME = "Website contact form"
SOURCE_UID = "leadkeeper-website"
SOURCE_NAME = "Website"
TAG_LIMIT = 50


def lead_marker(lead_id: int) -> str:
    """Our own id on the Kommo lead (a tag): found again after a crash, never sent twice."""
    return f"lk-{lead_id}"


def lead_id_from_marker(tag: str) -> int | None:
    if tag.startswith("lk-") and tag[3:].isdigit():
        return int(tag[3:])
    return None


def shared_categories() -> set[str]:
    return set(recipient("kommo").shares)


def lead_tags(lead: Lead) -> tuple[str, ...]:
    tags = [lead_marker(lead.pk), "website"]
    if "attribution" in shared_categories():
        tags.append(lead.source[:TAG_LIMIT])
        if lead.utm_campaign:
            tags.append(lead.utm_campaign[:TAG_LIMIT])
    return tuple(dict.fromkeys(t for t in tags if t))


def lead_to_kommo(lead: Lead, *, contact_id: int | None) -> LeadIn:
    shares = shared_categories()
    tracking: list[tuple[str, str]] = []
    if "attribution" in shares:
        for attr, code in TRACKING_FIELD_CODES.items():
            value = getattr(lead, attr, "")
            if value:
                tracking.append((code, value))
    contact = ContactIn(
        name=lead.name if "name" in shares else "",
        phone=lead.phone if "phone" in shares else "",
        email=(lead.email or "") if "email" in shares else "",
        kommo_id=contact_id,
    )
    return LeadIn(
        request_id=str(lead.pk),
        name=f"Website request #{lead.pk}",
        contact=contact,
        tags=lead_tags(lead),
        tracking=tuple(tracking),
        pipeline_id=settings.KOMMO_PIPELINE_ID,
        status_id=settings.KOMMO_STATUS_ID,
        created_at=int(lead.created_at.timestamp()),
    )


def form_metadata(lead: Lead) -> FormMetadata:
    shares = shared_categories()
    return FormMetadata(
        form_id=FORM_ID,
        form_name=FORM_NAME,
        form_page=(lead.landing_page if "attribution" in shares else "") or settings.SITE_URL,
        form_sent_at=int(lead.created_at.timestamp()),
        referer=lead.referrer if "attribution" in shares else "",
        # The IP goes to Kommo only if the register declares network data as shared with it.
        ip=(lead.ip_address or "") if "network" in shares else "",
    )
