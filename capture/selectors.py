from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from leadkeeper.crypto import blind_indexes
from subjects.normalise import normalise_email, normalise_phone

from .models import Lead


def lead_for_thanks(*, lead_id: int) -> Lead | None:
    return Lead.objects.filter(pk=lead_id).only("id", "name", "email").first()


def leads_matching(*, phone_or_email: str, region: str) -> QuerySet[Lead]:
    """Leads whose phone or email equals the query (exact match through blind indexes)."""
    query = phone_or_email.strip()
    if "@" in query:
        try:
            return Lead.objects.filter(email_index__in=blind_indexes(normalise_email(query)))
        except ValidationError:  # an invalid email matches nothing
            return Lead.objects.none()
    try:
        return Lead.objects.filter(phone_index__in=blind_indexes(normalise_phone(query, region)))
    except ValidationError:  # not a phone number either
        return Lead.objects.none()
