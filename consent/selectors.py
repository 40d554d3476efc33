"""Reads of the consent app: a visitor's own history, and the DPO's look-ups and exports."""

import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery

from capture.selectors import leads_matching

from .models import AnalyticsClientId, ConsentRecord, WithdrawalRequest


def consent_history(*, consent_id: uuid.UUID) -> list[ConsentRecord]:
    return list(
        ConsentRecord.objects.filter(consent_id=consent_id)
        .select_related("text")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class FormConsent:
    """A contact-form consent of this visitor, and whether it was withdrawn."""

    record: ConsentRecord
    withdrawal: WithdrawalRequest | None


def form_consents(*, consent_id: uuid.UUID) -> list[FormConsent]:
    grants = ConsentRecord.objects.filter(
        consent_id=consent_id, kind=ConsentRecord.Kind.FORM, action=ConsentRecord.Action.GRANT
    ).order_by("-created_at")
    withdrawals = {
        w.lead_id: w
        for w in WithdrawalRequest.objects.filter(record__consent_id=consent_id, lead__isnull=False)
    }
    return [FormConsent(record=g, withdrawal=withdrawals.get(g.lead_id)) for g in grants]


def leads_with_withdrawn_consent(*, lead_ids: list[int]) -> set[int]:
    """Of these leads, those whose contact-form consent the visitor withdrew (Art. 7(3))."""
    return set(
        WithdrawalRequest.objects.filter(lead_id__in=lead_ids).values_list("lead_id", flat=True)
    )


def analytics_client_ids(*, subject_ids: list[int]) -> list[str]:
    """GA client ids seen under these subjects' analytics consent: what Google must erase."""
    ids = AnalyticsClientId.objects.filter(subject_id__in=subject_ids).values_list(
        "client_id", flat=True
    )
    return sorted(set(ids))


def _as_consent_id(query: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(query.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class ConsentHistory:
    """Everything proven about one consent id or one subject, newest first."""

    query_kind: str  # "consent id", "subject" or "" when nothing matched
    consent_ids: list[uuid.UUID] = field(default_factory=list)
    subject_ids: list[int] = field(default_factory=list)
    records: list[ConsentRecord] = field(default_factory=list)
    client_ids: list[AnalyticsClientId] = field(default_factory=list)
    withdrawals: list[WithdrawalRequest] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.records)


def consent_history_matching(*, query: str) -> ConsentHistory:
    """A consent id (the visitor's cookie) or an exact email or phone (through blind indexes).

    A subject's history includes the banner choices made under the consent ids of its form
    consents: the form and the banner share the browser's id.
    """
    consent_id = _as_consent_id(query)
    if consent_id is not None:
        kind, subject_ids = "consent id", []
        consent_ids = [consent_id]
    else:
        kind = "subject"
        leads = leads_matching(phone_or_email=query, region=settings.DEFAULT_PHONE_REGION)
        subject_ids = sorted(
            {s for s in leads.values_list("subject_id", flat=True) if s is not None}
        )
        if not subject_ids:
            return ConsentHistory(query_kind="")
        consent_ids = list(
            ConsentRecord.objects.filter(subject_id__in=subject_ids)
            .values_list("consent_id", flat=True)
            .distinct()
        )
    records = list(
        ConsentRecord.objects.filter(Q(consent_id__in=consent_ids) | Q(subject_id__in=subject_ids))
        .select_related("text")
        .order_by("-created_at", "-pk")
    )
    consent_ids = sorted({r.consent_id for r in records} | set(consent_ids), key=str)
    return ConsentHistory(
        query_kind=kind if records else "",
        consent_ids=consent_ids,
        subject_ids=subject_ids or sorted({r.subject_id for r in records if r.subject_id}),
        records=records,
        client_ids=list(
            AnalyticsClientId.objects.filter(consent_id__in=consent_ids).order_by("first_seen_at")
        ),
        withdrawals=list(
            WithdrawalRequest.objects.filter(record__consent_id__in=consent_ids).order_by(
                "created_at"
            )
        ),
    )


EXPORT_FIELDS = [
    "record_id",
    "created_at",
    "consent_id",
    "kind",
    "action",
    "categories",
    "policy_version",
    "text_digest",
    "text_language",
    "method",
    "ip_address_truncated",
    "user_agent",
    "subject_id",
    "lead_id",
    "ga_client_ids",
    "withdrawal_request_id",
]


def export_rows(history: ConsentHistory) -> list[dict]:
    """One row per record, the fields an auditor needs to match it to the text shown."""
    ga_by_consent: dict[uuid.UUID, list[str]] = {}
    for client in history.client_ids:
        ga_by_consent.setdefault(client.consent_id, []).append(client.client_id)
    withdrawal_by_record = {w.record_id: w.pk for w in history.withdrawals}
    rows = []
    for record in history.records:
        rows.append(
            {
                "record_id": record.pk,
                "created_at": record.created_at.isoformat(),
                "consent_id": str(record.consent_id),
                "kind": record.kind,
                "action": record.action,
                "categories": record.categories,
                "policy_version": record.policy_version,
                "text_digest": record.text.digest,
                "text_language": record.text.language,
                "method": record.method,
                "ip_address_truncated": record.ip_address,
                "user_agent": record.user_agent,
                "subject_id": record.subject_id,
                "lead_id": record.lead_id,
                "ga_client_ids": ga_by_consent.get(record.consent_id, []),
                "withdrawal_request_id": withdrawal_by_record.get(record.pk),
            }
        )
    return rows


def texts_of(history: ConsentHistory) -> list[dict]:
    """The exact wordings the records point at, for the JSON export."""
    seen = {}
    for record in history.records:
        text = record.text
        seen[text.digest] = {
            "digest": text.digest,
            "kind": text.kind,
            "language": text.language,
            "policy_version": text.policy_version,
            "text": text.text,
        }
    return list(seen.values())


def form_withdrawn_at_subquery() -> Subquery:
    """For a Lead queryset: when the visitor withdrew the form consent of that lead (or None)."""
    return Subquery(
        ConsentRecord.objects.filter(
            lead_id=OuterRef("pk"),
            kind=ConsentRecord.Kind.FORM,
            action=ConsentRecord.Action.WITHDRAW,
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )


def form_granted_at_subquery() -> Subquery:
    """For a Lead queryset: when the visitor ticked the form's consent box for that lead."""
    return Subquery(
        ConsentRecord.objects.filter(
            lead_id=OuterRef("pk"), kind=ConsentRecord.Kind.FORM, action=ConsentRecord.Action.GRANT
        )
        .order_by("created_at")
        .values("created_at")[:1]
    )


# The rights desk's reads (policy §7), keyed by verified subjects only (Art. 12(6)).
def consent_rows_of_subjects(*, subject_ids: list[int]) -> list[dict]:
    """These subjects' consent proof as plain values, oldest first (the access report)."""
    records = ConsentRecord.objects.filter(subject_id__in=subject_ids).order_by("created_at")
    return list(
        records.values("created_at", "kind", "action", "categories", "policy_version", "method")
    )


def open_form_grants(*, subject_ids: list[int]) -> list[ConsentRecord]:
    """Contact-form consents of these subjects not yet withdrawn (one per lead)."""
    records = ConsentRecord.objects.filter(subject_id__in=subject_ids, kind=ConsentRecord.Kind.FORM)
    withdrawn = set(
        records.filter(action=ConsentRecord.Action.WITHDRAW).values_list("lead_id", flat=True)
    )
    grants = records.filter(action=ConsentRecord.Action.GRANT)
    return [r for r in grants if r.lead_id not in withdrawn]


def withdrawal_subject_id(*, withdrawal_request_id: int) -> int | None:
    """The subject a consent-page withdrawal was made for (the consent id proved it)."""
    requests = WithdrawalRequest.objects.filter(pk=withdrawal_request_id)
    return requests.values_list("subject_id", flat=True).first()
