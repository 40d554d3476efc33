"""Questions the rest of the code asks the register (reads only)."""

import hashlib
import json
from dataclasses import dataclass

from .loader import get_register, register_digest
from .models import PolicyVersion
from .schema import Category, ConsentCategory, Recipient, Register, RetentionRule


def category(category_id: str) -> Category:
    for c in get_register().categories:
        if c.id == category_id:
            return c
    raise KeyError(f"data category {category_id!r} is not declared in the register")


def retention_rule(rule_id: str) -> RetentionRule:
    for rule in get_register().retention:
        if rule.id == rule_id:
            return rule
    raise KeyError(f"retention rule {rule_id!r} is not declared in the register")


def retention_rule_for(category_id: str) -> RetentionRule:
    return retention_rule(category(category_id).retention)


def recipient(recipient_id: str) -> Recipient:
    for r in get_register().recipients:
        if r.id == recipient_id:
            return r
    raise KeyError(f"recipient {recipient_id!r} is not declared in the register")


def optional_consent_categories() -> list[ConsentCategory]:
    return [c for c in get_register().consent_categories if not c.required]


def recipients_for_consent(category_id: str) -> list[Recipient]:
    return [r for r in get_register().recipients if r.when == category_id]


def consent_digest(register: Register | None = None) -> str:
    """Digest of what a consent choice depends on; when it changes, earlier choices lapse."""
    register = register or get_register()
    relevant = {
        "consent_categories": [c.model_dump(mode="json") for c in register.consent_categories],
        "purposes": [
            p.model_dump(mode="json") for p in register.purposes if p.legal_basis == "consent"
        ],
        "recipients": [r.model_dump(mode="json") for r in register.recipients],
        "cookies": [c.model_dump(mode="json") for c in register.cookies],
    }
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()


_published: dict[str, PolicyVersion] = {}


def current_policy_version() -> PolicyVersion:
    """The published version matching the register on disk (published on first ask).

    A published version never changes, so each process remembers it by digest: the lead
    path asks on every submission.
    """
    from .services import publish_policy_version

    digest = register_digest()
    version = _published.get(digest)
    if version is None:
        version = PolicyVersion.objects.filter(digest=digest).first() or publish_policy_version()
        _published.clear()
        _published[digest] = version
    return version


def policy_version(number: int) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(number=number).first()


def policy_versions() -> list[PolicyVersion]:
    return list(PolicyVersion.objects.only("number", "published_at", "digest"))


@dataclass(frozen=True)
class ProcessingRecord:
    """One row of the records of processing activities (GDPR Art. 30(1)), for one purpose."""

    purpose: str
    legal_basis: str
    data_subjects: list[str]
    data_categories: list[str]
    recipients: list[str]
    transfers: list[str]
    retention: list[str]
    consent_category: str


def records_of_processing(register: Register | None = None) -> list[ProcessingRecord]:
    """Art. 30 records derived from the register: nothing here is typed twice."""
    register = register or get_register()
    categories = {c.id: c for c in register.categories}
    rules = {r.id: r for r in register.retention}
    bases = {b.id: b for b in register.legal_bases}
    records = []
    for purpose in register.purposes:
        used = set(purpose.categories)
        # A recipient receives data for a purpose when it shares a category the purpose uses
        # and, if consent-gated, when the purpose rests on that same consent category.
        recipients = [
            r
            for r in register.recipients
            if used & set(r.shares) and (r.when == "always" or r.when == purpose.consent_category)
        ]
        retention = sorted(
            {
                f"{rules[categories[c].retention].title}: {rules[categories[c].retention].description}"
                for c in purpose.categories
            }
        )
        basis = bases[purpose.legal_basis]
        records.append(
            ProcessingRecord(
                purpose=purpose.title,
                legal_basis=f"{basis.title} (GDPR Art. {basis.article})",
                data_subjects=list(purpose.data_subjects),
                data_categories=[categories[c].title for c in purpose.categories],
                recipients=[f"{r.name} ({r.role})" for r in recipients],
                transfers=[f"{r.name}: {r.country}" for r in recipients],
                retention=retention,
                consent_category=purpose.consent_category or "",
            )
        )
    return records
