"""The rights desk's writes to leads (policy §7, GDPR Art. 17).

rights/ orchestrates an erasure across the apps; each app erases its own rows. A lead is
anonymised, not deleted: the campaign reports count the row (aggregates keep it), and
nothing left on it identifies the person.
"""

from django.db import transaction

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
