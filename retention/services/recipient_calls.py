"""What a RecipientAction asks of its recipient, done through the calls an erasure makes.

Policy §5 and issue 11: "an expired lead is anonymised at Kommo the way erasure does it,
through the same steps". Kommo: `crm.gdpr.erase_in_kommo`, the service the rights desk's
Kommo step calls (one PATCH per entity, paced with the deliveries, tag `gdpr-erased`).
Cal.com: the client calls the rights desk's Cal.com step makes: an upcoming booking is
cancelled, a past one cannot be erased through the API and waits for a person.

Every function returns the recipient's receipt (ids and times, no personal data) or raises
the vendor's typed error (the executor decides on retry by type) or RecipientNeedsPerson.
"""

from __future__ import annotations

from django.utils import timezone

from crm.gdpr import erase_in_kommo, kommo_configured
from integrations.calcom.client import CalcomClient
from integrations.calcom.errors import CalcomRejected
from integrations.kommo.patches import ERASED_TAG

from ..errors import RecipientNeedsPerson
from ..models import RecipientAction

CALCOM_REASON = "Cancelled: the attendee's data reached the end of its retention period"
KOMMO_UNSET = (
    "Kommo is not configured here (KOMMO_BASE_URL, KOMMO_ACCESS_TOKEN). In Kommo, open {what}, "
    f"empty its name, phone and email and add the tag {ERASED_TAG}, then mark this action done."
)


def _lead_ref(action: RecipientAction) -> int | None:
    """Our lead's id ("lead:7"), the neutral name an erased Kommo lead keeps, as on erasure."""
    kind, _, ref = action.target_key.partition(":")
    return int(ref) if kind == "lead" and ref.isdigit() else None


def anonymise_at_kommo(action: RecipientAction) -> dict:
    """Erase the lead, then its contact. Safe to repeat: a second PATCH writes the same blanks."""
    lead_id = action.target.get("kommo_lead_id")
    contact_id = action.target.get("kommo_contact_id")
    if not kommo_configured():
        what = " and ".join(
            f"{name} {ident}"
            for name, ident in (("lead", lead_id), ("contact", contact_id))
            if ident
        )
        raise RecipientNeedsPerson(KOMMO_UNSET.format(what=what))
    receipt: dict = {"tag": ERASED_TAG}
    if lead_id:
        updated = erase_in_kommo(entity="leads", kommo_id=lead_id, lead_ref=_lead_ref(action))
        receipt["lead"] = {"id": lead_id, "updated_at": updated.updated_at}
    if contact_id:
        updated = erase_in_kommo(entity="contacts", kommo_id=contact_id)
        receipt["contact"] = {"id": contact_id, "updated_at": updated.updated_at}
    return receipt


def _past_booking(uid: str, start: str) -> RecipientNeedsPerson:
    return RecipientNeedsPerson(
        f"Cal.com's API cannot erase past bookings. Sign in to Cal.com, open Bookings > Past, "
        f"find booking {uid}{start}, and ask Cal.com support to delete it (GDPR Art. 17, our "
        "data processing agreement); then mark this action done with their answer."
    )


def anonymise_at_calcom(action: RecipientAction) -> dict:
    """Cancel the booking if it is still ahead; a past one waits for a person."""
    uid = action.target["uid"]
    client = CalcomClient.from_settings()
    if client is None:
        raise RecipientNeedsPerson(
            f"The Cal.com API is not configured here (CALCOM_API_KEY). In Cal.com, cancel "
            f"booking {uid} if it is upcoming, or ask Cal.com support to delete it if it took "
            "place; then mark this action done."
        )
    with client:
        try:
            booking = client.booking(uid)
        except CalcomRejected as error:
            if error.status == 404:
                return {"uid": uid, "status": "absent"}
            raise
        if booking.cancelled:
            return {"uid": uid, "status": "cancelled", "note": "was already cancelled"}
        if booking.end < timezone.now():
            raise _past_booking(uid, f" ({booking.start:%Y-%m-%d %H:%M} UTC)")
        # A cancel is not idempotent at Cal.com, so the state was read first (as on erasure).
        cancelled = client.cancel_booking(uid, reason=CALCOM_REASON)
        return {"uid": uid, "status": cancelled.status}


CALLS = {"kommo": anonymise_at_kommo, "calcom": anonymise_at_calcom}


def carry_out(action: RecipientAction) -> dict:
    """The recipient's receipt for `action` (raises the vendor's error, or RecipientNeedsPerson)."""
    call = CALLS.get(action.recipient)
    if call is None:
        raise RecipientNeedsPerson(
            f"No API call is known for recipient {action.recipient!r}: do it by hand, then mark "
            "this action done."
        )
    return call(action)
