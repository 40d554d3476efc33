"""Questions the rest of the code asks the register (reads only)."""

import re
from dataclasses import dataclass
from datetime import timedelta

from .errors import PolicyNotPublished
from .loader import get_register, register_digest
from .models import PolicyVersion
from .schema import ConsentCategory, Recipient, Register, RetentionRule


def retention_rule(rule_id: str) -> RetentionRule:
    for rule in get_register().retention:
        if rule.id == rule_id:
            return rule
    raise KeyError(f"retention rule {rule_id!r} is not declared in the register")


def recipient(recipient_id: str) -> Recipient:
    for r in get_register().recipients:
        if r.id == recipient_id:
            return r
    raise KeyError(f"recipient {recipient_id!r} is not declared in the register")


def optional_consent_categories() -> list[ConsentCategory]:
    return [c for c in get_register().consent_categories if not c.required]


_published: dict[str, PolicyVersion] = {}


def current_policy_version() -> PolicyVersion:
    """The published version matching the register on disk; reads only.

    Publishing is a write and lives in `register.services.publish_policy_version()` (run
    after every migrate, by `manage.py register publish`, and by the write paths that cite
    the version). A published version never changes, so each process remembers it by
    digest: the lead path asks on every submission.
    """
    digest = register_digest()
    version = _published.get(digest)
    if version is None:
        version = PolicyVersion.objects.filter(digest=digest).first()
        if version is None:
            raise PolicyNotPublished(
                f"the register on disk (digest {digest[:12]}) has no published policy version;"
                " run `manage.py migrate` or `manage.py register publish`"
            )
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
        # The recipients the register says serve this purpose (the linter keeps the link).
        recipients = [r for r in register.recipients if purpose.id in r.purposes]
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
                # Art. 30(1)(e): the third country and the documented safeguard.
                transfers=[
                    f"{r.name}: {r.country}; safeguard: {r.safeguard or 'NONE NAMED'}"
                    for r in recipients
                    if r.outside_eea
                ],
                retention=retention,
                consent_category=purpose.consent_category or "",
            )
        )
    return records


def previous_policy_version(number: int) -> PolicyVersion | None:
    """The version published just before `number` (what `/privacy/v/<n>/` compares with)."""
    return PolicyVersion.objects.filter(number__lt=number).order_by("-number").first()


_DURATION = re.compile(r"^\s*(\d+)\s+(day|week|month|year)s?\s*$", re.IGNORECASE)
_UNIT_DAYS = {"day": 1, "week": 7, "month": 365 / 12, "year": 365}


def cookie_lifetime(name: str) -> timedelta:
    """A cookie's declared duration ("12 months", "2 weeks") as a timedelta (policy §8).

    ValueError names the cookie when it is missing or its duration is not a fixed period.
    """
    cookie = next((c for c in get_register().cookies if c.name == name), None)
    if cookie is None:
        raise ValueError(f"the register declares no cookie named {name!r}")
    match = _DURATION.match(cookie.duration)
    if match is None:
        raise ValueError(f"cookie {name!r} has no fixed duration: {cookie.duration!r}")
    return timedelta(days=round(int(match.group(1)) * _UNIT_DAYS[match.group(2).lower()]))
