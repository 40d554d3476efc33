from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

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


# The rights desk's reads (policy §7). Keyed by subject ids or blind indexes that came from
# *verified* identifiers only (Art. 12(6)); nothing here looks a person up on its own.
LEAD_PERSONAL = ("name", "phone", "email", "message", "ip_address")
_LEAD_FACTS = ("created_at", "country", "browser", "os", "device_type", "user_agent")


def subject_ids_of_leads_matching(*, email_index: str = "", phone_index: str = "") -> set[int]:
    """Subjects of the leads that carry either blind index (a lead may predate a merge)."""
    match = Q(pk__in=[])
    if email_index:
        match |= Q(email_index=email_index)
    if phone_index:
        match |= Q(phone_index=phone_index)
    leads = Lead.objects.filter(match, subject__isnull=False)
    return set(leads.values_list("subject_id", flat=True))


def _lead_row(lead: Lead) -> dict:
    row = {f: getattr(lead, f) or "" for f in LEAD_PERSONAL}
    row.update({name: getattr(lead, name) for name in _LEAD_FACTS})
    row.update({"source": lead.source, "crm_status": lead.crm_status, "won_at": lead.won_at})
    row.update({"id": lead.pk, "subject_id": lead.subject_id})
    row.update({"kommo_lead_id": lead.kommo_lead_id, "kommo_contact_id": lead.kommo_contact_id})
    row["contract_completed_at"] = lead.contract_completed_at
    return row


def lead_rows_of_subjects(*, subject_ids: list[int]) -> list[dict]:
    """Every lead of these subjects as plain values, oldest first (for reports, recipients)."""
    if not subject_ids:
        return []
    leads = Lead.objects.filter(subject_id__in=subject_ids).order_by("created_at", "pk")
    return [_lead_row(lead) for lead in leads]


def won_leads_of_subjects(*, subject_ids: list[int]) -> list[tuple[int, int, datetime | None]]:
    """(lead id, subject id, contract completed at) of leads that became client contracts."""
    leads = Lead.objects.filter(subject_id__in=subject_ids, won_at__isnull=False)
    return list(leads.values_list("pk", "subject_id", "contract_completed_at"))
