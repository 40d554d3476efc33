"""The rights desk's writes to leads (policy §7, GDPR Art. 16, 17).

rights/ orchestrates an erasure across the apps; each app erases its own rows. A lead is
anonymised, not deleted: the campaign reports count the row (aggregates keep it), and
nothing left on it identifies the person.
"""

from django.db import transaction

from leadkeeper.crypto import blind_index

from .models import Lead

# name and phone are NOT NULL; the marker says why they are empty.
ERASED = "[erased]"


@transaction.atomic
def anonymise_leads(*, subject_ids: list[int], keep_lead_ids: list[int] = ()) -> int:
    """Clear every personal field of these subjects' leads, except those kept under a legal
    hold (Art. 17(3)(b)); returns how many leads were anonymised."""
    erasable = Lead.objects.filter(subject_id__in=subject_ids).exclude(pk__in=list(keep_lead_ids))
    return erasable.update(
        subject=None,
        name=ERASED,
        phone=ERASED,
        email=None,
        message=None,
        ip_address=None,
        phone_index="",
        email_index="",
        user_agent="",
        referrer="",
        gclid="",
        yclid="",
        fbclid="",
    )


@transaction.atomic
def rectify_leads(
    *, lead_ids: list[int], name: str = "", phone: str = "", email: str = ""
) -> list[str]:
    """Art. 16: store the corrected values on these leads (given ones only, already
    normalised by the caller), with their blind indexes; returns the fields changed."""
    changes: dict[str, object] = {}
    if name:
        changes["name"] = name
    if phone:
        changes.update(phone=phone, phone_index=blind_index(phone))
    if email:
        changes.update(email=email, email_index=blind_index(email))
    for lead in Lead.objects.select_for_update().filter(pk__in=lead_ids):
        for field, value in changes.items():
            setattr(lead, field, value)
        lead.save(update_fields=list(changes))
    return [f for f in ("name", "phone", "email") if f in changes]
