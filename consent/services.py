"""Writes of the consent app: every choice becomes proof (GDPR Art. 7(1)), append-only."""

import hashlib
import ipaddress
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from audit.services import record_event
from leadkeeper import ratelimit
from leadkeeper.context import RequestContext
from leadkeeper.inserts import PreparedRow, prepare_row
from register.loader import register_digest
from register.services import publish_policy_version

from .errors import (
    ConsentRecordNotFound,
    NecessaryCannotBeRefused,
    StaleBannerText,
    TooManyChoices,
    UnknownCategory,
)
from .models import AnalyticsClientId, ConsentRecord, ConsentText, WithdrawalRequest
from .scope import consent_id_for_new_record
from .state import ConsentState, optional_category_ids
from .texts import banner_text, form_consent_text

logger = logging.getLogger(__name__)


def check_consent_rate(*, context: RequestContext) -> None:
    """Every choice is a row of proof; a flood from one address must not fill the table."""
    rate = ratelimit.Rate.parse(settings.CONSENT_RATE_LIMIT)
    if not ratelimit.allow(scope="consent", ip=context.ip, rate=rate):
        logger.warning("consent.rate_limited")
        raise TooManyChoices(f"more than {rate.limit} consent choices in {rate.seconds} s")


@lru_cache(maxsize=4096)
def truncate_ip(ip: str) -> str:
    """Keep the network, drop the host: /24 for IPv4, /48 for IPv6 (remembered: every lead
    and consent choice asks)."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False).network_address)


def consent_text(*, kind: str, text: str, policy_version: int) -> ConsentText:
    language = (get_language() or "en")[:8]
    digest = hashlib.sha256(f"{kind}|{language}|{policy_version}|{text}".encode()).hexdigest()
    found, _created = ConsentText.objects.get_or_create(
        digest=digest,
        defaults={
            "kind": kind,
            "language": language,
            "policy_version": policy_version,
            "text": text,
        },
    )
    return found


def form_consent_row(
    *, at: datetime, context: RequestContext, method: str
) -> PreparedRow[ConsentRecord]:
    """Proof of the contact form's explicit consent (policy §4, GDPR Art. 6(1)(a), 7(1)),
    built before the lead's transaction and inserted in it with its subject and lead.

    Within a web request the record takes the visitor's consent id (the `lk_consent`
    cookie), so the visitor can later see and withdraw it at /privacy/consent/.
    """
    version = publish_policy_version().number
    record = ConsentRecord(
        retention_from=at,
        consent_id=consent_id_for_new_record(),
        kind=ConsentRecord.Kind.FORM,
        action=ConsentRecord.Action.GRANT,
        categories={"contact_form": True},
        text_id=_form_text_pk(
            language=get_language() or "en", policy_version=version, text=form_consent_text()
        ),
        policy_version=version,
        method=method,
        ip_address=truncate_ip(context.ip),
        user_agent=context.user_agent,
        created_at=at,
    )
    return prepare_row(record, later=("subject", "lead"))


# (language, policy version, text) -> ConsentText id. A stored text never changes (it is
# proof, Art. 7(1)), so each process looks it up once, as for the banner (issue 9).
_form_texts: dict[tuple[str, int, str], int] = {}


def _form_text_pk(*, language: str, policy_version: int, text: str) -> int:
    key = (language, policy_version, text)
    if key in _form_texts:
        return _form_texts[key]
    pk = consent_text(kind="form", text=text, policy_version=policy_version).pk
    # Remembered once committed: the first lead's transaction creates the text, and if it
    # rolls back (the database failing mid-lead) a remembered id would break every later
    # lead of this process with a foreign-key error (leadkeeper/tests/test_dbguard.py).
    transaction.on_commit(lambda: _form_texts.setdefault(key, pk))  # noqa: TID251 (a memo, not work)
    return pk


@lru_cache(maxsize=64)
def _banner_text_pk(language: str, register: str, canonical: str) -> int:
    version = publish_policy_version().number
    return consent_text(kind="banner", text=canonical, policy_version=version).pk


def banner_consent_text() -> ConsentText:
    """The ConsentText of the banner as shown now, in the active language (stored once)."""
    canonical = banner_text().canonical
    pk = _banner_text_pk(get_language() or "en", register_digest(), canonical)
    found = ConsentText.objects.filter(pk=pk).first()
    if found is None:  # a test database was flushed under the cache
        _banner_text_pk.cache_clear()
        return banner_consent_text()
    return found


def resolve_banner_text(*, digest: str | None) -> ConsentText:
    """The banner text the visitor saw (its digest travels with the choice), checked current."""
    current = banner_consent_text()
    if not digest or digest == current.digest:
        return current
    shown = ConsentText.objects.filter(digest=digest, kind="banner").first()
    if shown is None:
        raise StaleBannerText(f"banner text {digest[:12]} was never shown by this site")
    if shown.policy_version != current.policy_version:
        raise StaleBannerText(
            f"banner text {digest[:12]} belongs to policy version {shown.policy_version}; "
            f"the current version is {current.policy_version}"
        )
    return shown  # same policy, another language: the visitor's own


def validate_choices(choices: dict[str, bool]) -> set[str]:
    """{'analytics': True, 'booking': False} -> {'analytics'}; unknown or refused-necessary fail."""
    optional = set(optional_category_ids())
    granted: set[str] = set()
    for category, value in choices.items():
        if category == "necessary":
            if value is not True:
                raise NecessaryCannotBeRefused(
                    "strictly necessary cookies cannot be refused; they hold no optional data"
                )
            continue
        if category not in optional:
            raise UnknownCategory(
                f"consent category {category!r} is not declared in the register "
                f"(known: {', '.join(sorted(optional))})"
            )
        if value:
            granted.add(category)
    return granted


def _action(previous: frozenset[str] | None, granted: set[str]) -> str:
    if previous is None:  # first choice, or the earlier one lapsed
        return ConsentRecord.Action.GRANT if granted else ConsentRecord.Action.REFUSE
    added, removed = granted - previous, previous - granted
    if removed and not added:
        return ConsentRecord.Action.WITHDRAW
    if added and not removed:
        return ConsentRecord.Action.GRANT
    return ConsentRecord.Action.CHANGE


def _subject_id_for(consent_id: uuid.UUID) -> int | None:
    return (
        ConsentRecord.objects.filter(consent_id=consent_id, subject__isnull=False)
        .values_list("subject_id", flat=True)
        .first()
    )


@dataclass(frozen=True)
class ChoiceResult:
    record: ConsentRecord
    state: ConsentState
    previous: frozenset[str]

    @property
    def changed(self) -> bool:
        return self.previous != self.state.effective


@transaction.atomic
def record_banner_choice(
    *,
    state: ConsentState,
    granted: set[str],
    context: RequestContext,
    method: str,
    text: ConsentText,
) -> ChoiceResult:
    """Store one banner choice (grant, refusal, change or withdrawal) and the new state."""
    previous = state.effective if state.current else None
    now = timezone.now()
    categories = {"necessary": True} | {c: c in granted for c in optional_category_ids()}
    record = ConsentRecord.objects.create(
        subject_id=_subject_id_for(state.consent_id),
        retention_from=now,
        consent_id=state.consent_id,
        kind=ConsentRecord.Kind.BANNER,
        action=_action(previous, granted),
        categories=categories,
        text=text,
        policy_version=text.policy_version,
        method=method[:64],
        ip_address=truncate_ip(context.ip),
        user_agent=context.user_agent,
        created_at=now,
    )
    logger.info(
        "consent.banner.recorded",
        extra={"consent_record_id": record.pk, "action": record.action},
    )
    new_state = state.chose(granted)
    return ChoiceResult(record=record, state=new_state, previous=previous or frozenset())


def withdraw_category(
    *, state: ConsentState, category: str, context: RequestContext, method: str
) -> ChoiceResult:
    """One click, one category (GDPR Art. 7(3): as easy to withdraw as to give)."""
    validate_choices({category: False})
    remaining = set(state.effective) - {category}
    return record_banner_choice(
        state=state,
        granted=remaining,
        context=context,
        method=method,
        text=banner_consent_text(),
    )


def observe_ga_client_id(*, consent_id: uuid.UUID, client_id: str) -> AnalyticsClientId:
    """Remember a GA client id seen under analytics consent, for a later erasure at Google."""
    now = timezone.now()
    found, created = AnalyticsClientId.objects.get_or_create(
        consent_id=consent_id,
        client_id=client_id,
        defaults={
            "subject_id": _subject_id_for(consent_id),
            "first_seen_at": now,
            "last_seen_at": now,
            "retention_from": now,
        },
    )
    if not created:
        AnalyticsClientId.objects.filter(pk=found.pk).update(last_seen_at=now, retention_from=now)
    return found


def form_withdrawal_text() -> str:
    return _(
        "I withdraw my consent to the processing of the personal data I sent with the contact "
        "form. Processing that needs no consent (for example, accounting records of a "
        "contract) continues as the Privacy Policy explains."
    )


@transaction.atomic
def withdraw_form_consent(
    *,
    consent_id: uuid.UUID,
    record_id: int,
    context: RequestContext,
    method: str,
    open_rights_request: bool = True,
) -> WithdrawalRequest:
    """Withdraw the contact form's consent of this visitor's lead; the rights desk acts on it.

    Only a record under the visitor's own consent id can be withdrawn (the id is the random
    secret in their cookie). Repeating the click returns the request already opened.
    """
    grant = (
        ConsentRecord.objects.select_for_update()
        .filter(
            pk=record_id,
            consent_id=consent_id,
            kind=ConsentRecord.Kind.FORM,
            action=ConsentRecord.Action.GRANT,
        )
        .first()
    )
    if grant is None:
        raise ConsentRecordNotFound(
            f"consent record {record_id} is no contact-form consent of consent id {consent_id}"
        )
    existing = WithdrawalRequest.objects.filter(
        record__consent_id=consent_id, lead_id=grant.lead_id, lead__isnull=False
    ).first()
    if existing is not None:
        return existing
    now = timezone.now()
    version = publish_policy_version().number
    record = ConsentRecord.objects.create(
        subject_id=grant.subject_id,
        retention_from=now,
        consent_id=consent_id,
        kind=ConsentRecord.Kind.FORM,
        action=ConsentRecord.Action.WITHDRAW,
        categories={"contact_form": False},
        text=consent_text(kind="withdrawal", text=form_withdrawal_text(), policy_version=version),
        policy_version=version,
        method=method[:64],
        ip_address=truncate_ip(context.ip),
        user_agent=context.user_agent,
        lead_id=grant.lead_id,
        created_at=now,
    )
    request = WithdrawalRequest.objects.create(
        subject_id=grant.subject_id, lead_id=grant.lead_id, record=record, created_at=now
    )
    record_event(
        actor="visitor",
        action="consent.form.withdrawn",
        subject_id=grant.subject_id,
        obj=request,
        reason="the data subject withdrew consent (policy §4, GDPR Art. 7(3))",
        data={"consent_record": record.pk, "granted_record": grant.pk, "lead": grant.lead_id},
    )
    if open_rights_request:  # False when the rights desk itself is withdrawing
        from rights.services.intake import open_consent_withdrawal

        open_consent_withdrawal(withdrawal_request_id=request.pk, created_at=now)
    logger.info("consent.form.withdrawn", extra={"withdrawal_request_id": request.pk})
    return request
