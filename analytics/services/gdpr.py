"""The rights desk's writes to analytics (policy §7, GDPR Art. 17, 21).

Only what is linked to a person goes: their events (linked through a consented id) and
their leads' campaign attribution. The daily rollups hold no person and stay (Recital 26).
"""

from django.db import transaction

from ..models import Event, LeadAttribution


@transaction.atomic
def erase_linked_analytics(*, subject_ids: list[int]) -> dict[str, int]:
    """Delete these subjects' linked events and lead attributions; counts per table."""
    events, _ = Event.objects.filter(subject_id__in=subject_ids).delete()
    attributions, _ = LeadAttribution.objects.filter(subject_id__in=subject_ids).delete()
    return {"analytics_events": events, "lead_attributions": attributions}
