"""Where the rights app meets the stores of personal data in other apps.

Every import of another app's models lives here, so a store that moves changes one place. Reads and writes are keyed by subject ids that came from *verified*
identifiers only (Art. 12(6)): nothing here looks a person up before verification.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from analytics.models import Event, LeadAttribution
from booking.models import Booking
from capture.models import Lead
from consent.models import AnalyticsClientId, ConsentRecord
from consent.selectors import analytics_client_ids
from register.selectors import retention_rule
from subjects.models import Subject
from subjects.normalise import normalise_email, normalise_phone

from .clock import add_months

__all__ = ["Subject", "normalise_email", "normalise_phone"]

ERASED = "[erased]"  # name and phone are NOT NULL; the marker says why they are empty
LEAD_PERSONAL = ["name", "phone", "email", "message", "ip_address"]


def subject_ids_for(*, email_index: str = "", phone_index: str = "") -> list[int]:
    """Subjects holding any of these blind indexes (leads and bookings count too)."""
    if not email_index and not phone_index:
        return []
    match, lead_match = Q(pk__in=[]), Q(pk__in=[])
    if email_index:
        match |= Q(email_index=email_index)
        lead_match |= Q(email_index=email_index)
    if phone_index:
        match |= Q(phone_index=phone_index)
        lead_match |= Q(phone_index=phone_index)
    ids = set(Subject.objects.filter(match).values_list("pk", flat=True))
    ids |= set(
        Lead.objects.filter(lead_match, subject__isnull=False).values_list("subject_id", flat=True)
    )
    if email_index:
        ids |= set(
            Booking.objects.filter(email_index=email_index, subject__isnull=False).values_list(
                "subject_id", flat=True
            )
        )
    return sorted(ids)


@dataclass
class Holdings:
    """Everything we hold on some subjects, as plain values (for reports and recipients)."""

    subject_ids: list[int]
    leads: list[dict] = field(default_factory=list)
    consents: list[dict] = field(default_factory=list)
    bookings: list[dict] = field(default_factory=list)
    ga_client_ids: list[str] = field(default_factory=list)
    attributions: list[dict] = field(default_factory=list)
    analytics_events: int = 0


def _lead_row(lead: Lead) -> dict:
    row = {f: getattr(lead, f) or "" for f in LEAD_PERSONAL}
    for name in ("created_at", "country", "browser", "os", "device_type", "user_agent"):
        row[name] = getattr(lead, name)
    row.update({"source": lead.source, "crm_status": lead.crm_status, "won_at": lead.won_at})
    row.update({"id": lead.pk, "kommo_lead_id": lead.kommo_lead_id})
    row.update({"kommo_contact_id": lead.kommo_contact_id})
    row["contract_completed_at"] = lead.contract_completed_at
    return row


def holdings(*, subject_ids: list[int]) -> Holdings:
    found = Holdings(subject_ids=subject_ids)
    if not subject_ids:
        return found
    leads = Lead.objects.filter(subject_id__in=subject_ids).order_by("created_at")
    found.leads = [_lead_row(lead) for lead in leads]
    found.consents = list(
        ConsentRecord.objects.filter(subject_id__in=subject_ids)
        .order_by("created_at")
        .values("created_at", "kind", "action", "categories", "policy_version", "method")
    )
    found.bookings = [
        {
            "uid": b.uid,
            "status": b.status,
            "name": b.name or "",
            "email": b.email,
            "start_time": b.start_time,
            "end_time": b.end_time,
        }
        for b in Booking.objects.filter(subject_id__in=subject_ids).order_by("start_time")
    ]
    found.ga_client_ids = analytics_client_ids(subject_ids=subject_ids)
    found.attributions = list(
        LeadAttribution.objects.filter(subject_id__in=subject_ids).values(
            "lead_id",
            "method",
            "first_source",
            "first_medium",
            "first_campaign",
            "last_source",
            "last_medium",
            "last_campaign",
        )
    )
    found.analytics_events = Event.objects.filter(subject_id__in=subject_ids).count()
    return found


def legal_hold_lead_ids(*, subject_ids: list[int], now: datetime) -> list[int]:
    """Leads that became client contracts: kept 5 years for accounting (Art. 17(3)(b))."""
    months = retention_rule("contract").months
    leads = Lead.objects.filter(subject_id__in=subject_ids, won_at__isnull=False)
    return [
        lead.pk
        for lead in leads
        if lead.contract_completed_at is None
        or add_months(lead.contract_completed_at, months) > now
    ]


def restrict_subjects(*, subject_ids: list[int], at: datetime) -> int:
    """Art. 18: stored, excluded from delivery and contact (crm/delivery.py honours it)."""
    return Subject.objects.filter(pk__in=subject_ids, restricted_at__isnull=True).update(
        restricted_at=at
    )


def stop_linked_analytics(*, subject_ids: list[int], at: datetime) -> dict[str, int]:
    """Art. 21: the person's linked first-party analytics (legitimate interests) end.

    What exists is deleted; `objected_at` keeps the attribution job from linking their leads
    again (analytics.services.attribution), so the campaign reports stop counting them.
    """
    events, _ = Event.objects.filter(subject_id__in=subject_ids).delete()
    attributions, _ = LeadAttribution.objects.filter(subject_id__in=subject_ids).delete()
    objected = Subject.objects.filter(pk__in=subject_ids, objected_at__isnull=True).update(
        objected_at=at
    )
    return {"analytics_events": events, "lead_attributions": attributions, "subjects": objected}


def erase_subjects(*, subject_ids: list[int], keep_lead_ids: list[int], at: datetime) -> dict:
    """Delete what is personal; anonymise leads, whose rows the campaign reports count.

    Leads under a legal hold stay whole (restricted instead). Returns counts per store.
    """
    erasable = Lead.objects.filter(subject_id__in=subject_ids).exclude(pk__in=keep_lead_ids)
    anonymised = erasable.update(
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
    counts = {"leads_anonymised": anonymised}
    for label, model in (
        ("consent_records", ConsentRecord),
        ("ga_client_ids", AnalyticsClientId),
        ("bookings", Booking),
        ("analytics_events", Event),
        ("lead_attributions", LeadAttribution),
    ):
        counts[label], _ = model.objects.filter(subject_id__in=subject_ids).delete()
    held = Subject.objects.filter(pk__in=subject_ids, capture_leads__in=keep_lead_ids).distinct()
    held_ids = list(held.values_list("pk", flat=True))
    restrict_subjects(subject_ids=held_ids, at=at)
    gone = Subject.objects.filter(pk__in=subject_ids).exclude(pk__in=held_ids)
    counts["subjects_erased"] = gone.update(
        erased_at=at, phone_index="", email_index="", restricted_at=None
    )
    counts["subjects_held"] = len(held_ids)
    return counts


def subject_indexes(
    *, subject_ids: list[int], held_lead_ids: list[int] = ()
) -> list[tuple[str, str]]:
    """(phone_index, email_index) of each subject to erase (not those under a legal hold)."""
    rows = (
        Subject.objects.filter(pk__in=subject_ids)
        .exclude(capture_leads__in=list(held_lead_ids))
        .values_list("phone_index", "email_index")
    )
    return [row for row in rows if any(row)]


def withdrawal_subject_id(*, withdrawal_request_id: int) -> int | None:
    from consent.models import WithdrawalRequest

    return (
        WithdrawalRequest.objects.filter(pk=withdrawal_request_id)
        .values_list("subject_id", flat=True)
        .first()
    )


def close_withdrawal_request(*, withdrawal_request_id: int, at: datetime) -> int:
    from consent.models import WithdrawalRequest

    return WithdrawalRequest.objects.filter(
        pk=withdrawal_request_id, state=WithdrawalRequest.State.OPEN
    ).update(state=WithdrawalRequest.State.DONE, closed_at=at)


def open_form_grants(*, subject_ids: list[int]) -> list[ConsentRecord]:
    """Contact-form consents of these subjects not yet withdrawn (one per lead)."""
    records = ConsentRecord.objects.filter(subject_id__in=subject_ids, kind=ConsentRecord.Kind.FORM)
    withdrawn = set(
        records.filter(action=ConsentRecord.Action.WITHDRAW).values_list("lead_id", flat=True)
    )
    return [
        r for r in records.filter(action=ConsentRecord.Action.GRANT) if r.lead_id not in withdrawn
    ]
