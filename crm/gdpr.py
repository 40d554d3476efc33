"""The rights desk's writes into Kommo (GDPR Art. 16-19): erase, restrict, rectify.

Kommo's state is ours to keep (crm owns the connection, its pacing and its pause), so the
rights app calls these services and never the Kommo client itself. Each call is one PATCH,
paced under Kommo's rate limit with the deliveries, and raises the client's typed error so
the caller decides on retry by type.
"""

from __future__ import annotations

from django.utils import timezone

from capture.models import Lead
from integrations.kommo import patches
from integrations.kommo.errors import KommoRateLimited, KommoUnauthorized
from integrations.kommo.patches import EntityPatch, Updated

from . import pacing
from .mapping import lead_to_kommo
from .selectors import kommo_configured

__all__ = ["erase_in_kommo", "kommo_configured", "rectify_in_kommo", "restrict_in_kommo"]


def _send(entity: str, patch: EntityPatch) -> Updated:
    if pacing.delivery_paused():
        # Art. 19 needs the write; a token Kommo refused is for a person to renew.
        raise KommoUnauthorized("Kommo is paused after it refused our token; renew the token")
    slot = pacing.reserve_request_slot()
    if slot is None:
        until = pacing.blocked_until()
        wait = (until - timezone.now()).total_seconds() if until else 60.0
        raise KommoRateLimited(
            f"Kommo is blocked for {round(wait)} s (rate limit or outage)", retry_after=wait
        )
    pacing.sleep(slot)
    try:
        (updated,) = pacing.shared_client().update(entity, [patch]) or [
            Updated(id=patch.id, updated_at=None)
        ]
    except KommoRateLimited as error:
        # Kommo's limit is per account: deliveries must wait as well, not only this step.
        pacing.block_for(error.retry_after or 1.0)
        raise
    pacing.note_success()
    return updated


def erase_in_kommo(*, entity: str, kommo_id: int, lead_ref: int | None = None) -> Updated:
    """Art. 17: overwrite the personal fields with empty values and tag `gdpr-erased`."""
    if entity == "contacts":
        return _send(entity, patches.erase_contact(kommo_id))
    name = f"Website request #{lead_ref}" if lead_ref else "Website request"
    return _send(entity, patches.erase_lead(kommo_id, neutral_name=name))


def restrict_in_kommo(*, entity: str, kommo_id: int) -> Updated:
    """Art. 18: tag `gdpr-restricted` so sales see the record must not be processed."""
    return _send(entity, patches.restrict(kommo_id))


def rectify_in_kommo(*, contact_id: int, lead_id: int) -> Updated:
    """Art. 16, 19: the lead's values as corrected here replace the contact's in Kommo.

    Only what the register shares with Kommo is sent (crm.mapping), as on delivery.
    """
    lead = Lead.objects.get(pk=lead_id)
    contact = lead_to_kommo(lead, contact_id=None).contact
    patch = patches.rectify_contact(
        contact_id, name=contact.name, phone=contact.phone, email=contact.email
    )
    return _send("contacts", patch)
