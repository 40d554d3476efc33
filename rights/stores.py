"""Where the rights app meets the stores of personal data in other apps.

rights/ orchestrates; each app reads its own tables in its selectors and writes them in its
services (`<app>/gdpr.py`, `analytics/services/gdpr.py`), so a store that moves changes its
own app. Reads and writes are keyed by subject ids that came from *verified* identifiers
only (Art. 12(6)): nothing here looks a person up before verification.
"""

from dataclasses import dataclass, field
from datetime import datetime

from analytics.selectors import attribution_rows_of_subjects, event_count_of_subjects
from analytics.services.gdpr import erase_linked_analytics
from booking.gdpr import erase_bookings
from booking.selectors import booking_rows_of_subjects, subject_ids_of_bookings_matching
from capture.gdpr import anonymise_leads, rectify_leads
from capture.selectors import (
    lead_rows_of_subjects,
    subject_ids_of_leads_matching,
    won_leads_of_subjects,
)
from consent.gdpr import close_withdrawal_request, erase_consent_proof
from consent.selectors import (
    analytics_client_ids,
    consent_rows_of_subjects,
    open_form_grants,
    withdrawal_subject_id,
)
from leadkeeper.crypto import blind_index
from register.selectors import retention_rule
from subjects.gdpr import (
    erase_subject_identities,
    mark_objected,
    reindex_subjects,
    restrict_subjects,
)
from subjects.normalise import normalise_email, normalise_phone
from subjects.selectors import live_subject_ids, subject_ids_matching
from subjects.selectors import subject_indexes as indexes_of_subjects

from .clock import add_months

# Re-exported: the steps reach the other apps' services through this one module.
__all__ = [
    "close_withdrawal_request",
    "live_subject_ids",
    "normalise_email",
    "normalise_phone",
    "open_form_grants",
    "restrict_subjects",
    "withdrawal_subject_id",
]


def subject_ids_for(*, email_index: str = "", phone_index: str = "") -> list[int]:
    """Subjects holding any of these blind indexes (leads and bookings count too)."""
    if not email_index and not phone_index:
        return []
    ids = subject_ids_matching(email_index=email_index, phone_index=phone_index)
    ids |= subject_ids_of_leads_matching(email_index=email_index, phone_index=phone_index)
    ids |= subject_ids_of_bookings_matching(email_index=email_index)
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


def holdings(*, subject_ids: list[int]) -> Holdings:
    found = Holdings(subject_ids=subject_ids)
    if not subject_ids:
        return found
    found.leads = lead_rows_of_subjects(subject_ids=subject_ids)
    found.consents = consent_rows_of_subjects(subject_ids=subject_ids)
    found.bookings = booking_rows_of_subjects(subject_ids=subject_ids)
    found.ga_client_ids = analytics_client_ids(subject_ids=subject_ids)
    found.attributions = attribution_rows_of_subjects(subject_ids=subject_ids)
    found.analytics_events = event_count_of_subjects(subject_ids=subject_ids)
    return found


def _held(subject_ids: list[int], now: datetime) -> list[tuple[int, int]]:
    """(lead id, subject id) of client contracts within their 5 accounting years."""
    months = retention_rule("contract").months
    return [
        (lead_id, subject_id)
        for lead_id, subject_id, completed in won_leads_of_subjects(subject_ids=subject_ids)
        if completed is None or add_months(completed, months) > now
    ]


def legal_hold_lead_ids(*, subject_ids: list[int], now: datetime) -> list[int]:
    """Leads that became client contracts: kept 5 years for accounting (Art. 17(3)(b))."""
    return [lead_id for lead_id, _ in _held(subject_ids, now)]


def stop_linked_analytics(*, subject_ids: list[int], at: datetime) -> dict[str, int]:
    """Art. 21: the person's linked first-party analytics (legitimate interests) end.

    What exists is deleted; `objected_at` keeps the attribution job from linking their leads
    again (analytics.services.attribution), so the campaign reports stop counting them.
    """
    counts = erase_linked_analytics(subject_ids=subject_ids)
    counts["subjects"] = mark_objected(subject_ids=subject_ids, at=at)
    return counts


def _holders(subject_ids: list[int], keep_lead_ids: list[int]) -> list[int]:
    keep = set(keep_lead_ids)
    won = won_leads_of_subjects(subject_ids=subject_ids)
    return sorted({subject_id for lead_id, subject_id, _ in won if lead_id in keep})


def erase_subjects(*, subject_ids: list[int], keep_lead_ids: list[int], at: datetime) -> dict:
    """Delete what is personal; anonymise leads, whose rows the campaign reports count.

    Leads under a legal hold stay whole (restricted instead). Returns counts per store.
    Runs inside the caller's transaction: all the stores, or none.
    """
    held_ids = _holders(subject_ids, keep_lead_ids)
    counts = {
        "leads_anonymised": anonymise_leads(subject_ids=subject_ids, keep_lead_ids=keep_lead_ids)
    }
    counts.update(erase_consent_proof(subject_ids=subject_ids))
    counts["bookings"] = erase_bookings(subject_ids=subject_ids)
    counts.update(erase_linked_analytics(subject_ids=subject_ids))
    restrict_subjects(subject_ids=held_ids, at=at)
    gone = [pk for pk in subject_ids if pk not in set(held_ids)]
    counts["subjects_erased"] = erase_subject_identities(subject_ids=gone, at=at)
    counts["subjects_held"] = len(held_ids)
    return counts


def subject_indexes(
    *, subject_ids: list[int], held_lead_ids: list[int] = ()
) -> list[tuple[str, str]]:
    """(phone_index, email_index) of each subject to erase (not those under a legal hold)."""
    held = set(_holders(subject_ids, list(held_lead_ids)))
    return indexes_of_subjects(subject_ids=[pk for pk in subject_ids if pk not in held])


def rectify(
    *, subject_ids: list[int], lead_ids: list[int], name: str, phone: str, email: str
) -> list[str]:
    """Art. 16: the corrected values (normalised) on the leads, and the subject found by
    them from now on; returns the fields corrected. IntegrityError: the phone is another
    living subject's."""
    fields = rectify_leads(lead_ids=lead_ids, name=name, phone=phone, email=email)
    reindex_subjects(
        subject_ids=subject_ids,
        phone_index=blind_index(phone) if phone else "",
        email_index=blind_index(email) if email else "",
    )
    return fields
