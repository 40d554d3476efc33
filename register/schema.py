"""The shape of register.toml, validated with pydantic (one error names file, entry, field)."""

import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Identifier = str


class _Entry(BaseModel):
    """An entry whose prose fields may have a Russian twin, `<field>_ru`, next to them.

    `localized("ru")` returns the entry with every twin in its field's place (and the English
    where a twin is empty), so the policy, the banner and the records read one shape.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    def localized(self, language: str) -> "Self":
        suffix = f"_{language.split('-')[0]}"
        updates: dict[str, object] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            twin = getattr(self, name + suffix, None)
            if twin:
                updates[name] = twin
            elif isinstance(value, _Entry):
                updates[name] = value.localized(language)
            elif isinstance(value, list) and value and isinstance(value[0], _Entry):
                updates[name] = [item.localized(language) for item in value]
        return self.model_copy(update=updates) if updates else self

    @classmethod
    def translated_fields(cls, language: str = "ru") -> list[str]:
        """The prose fields that have a twin in `language` (for the completeness test)."""
        suffix = f"_{language}"
        return [n for n in cls.model_fields if n + suffix in cls.model_fields]


class Policy(_Entry):
    title: str
    title_ru: str = ""
    last_updated: datetime.date
    storage: str
    storage_ru: str = ""
    transfers: str
    transfers_ru: str = ""
    # Kept for versions published before it moved into a comment; never shown.
    template_notice: str = ""
    # GDPR Art. 30(1)(g): a general description of the security measures.
    security_measures: list[str] = []
    security_measures_ru: list[str] = []


class Controller(_Entry):
    name: str
    website: str
    privacy_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    dpo_email: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    supervisory_authority: str
    # How to reach it (GDPR Art. 77): the rights desk's complaint answer quotes this.
    supervisory_authority_contact: str = ""
    supervisory_authority_ru: str = ""
    # GDPR Art. 13(1)(a): the controller's identity and contact details, as registered.
    legal_entity: str = ""
    legal_entity_ru: str = ""
    postal_address: str = ""
    postal_address_ru: str = ""
    registration: str = ""
    registration_ru: str = ""


class LegalBasis(_Entry):
    id: Identifier
    article: str = Field(pattern=r"^6\(1\)\([a-f]\)$")
    title: str
    title_ru: str = ""
    detail: str = ""
    detail_ru: str = ""


# The moments a period can run from (policy §5 names the first three).
Clock = Literal[
    "last_interaction",  # Subject.last_interaction_at (a record without a subject: its own)
    "collected",  # the record's own time (retention_from)
    "contract_completed",  # Lead.contract_completed_at, from Kommo or set by staff
    "event_time",  # the time stamp of an operational or audit row (`tables`)
    "request_closed",  # a rights request's closure
]


class RetentionRule(_Entry):
    id: Identifier
    title: str
    title_ru: str = ""
    months: int | None = Field(default=None, gt=0, le=240)
    days: int | None = Field(default=None, gt=0, le=3660)  # short operational periods
    # None: the rule has no clock yet; `register check` fails while a model stores one of
    # its categories (register/retention_check.py).
    clock: Clock | None = None
    action: Literal["delete", "anonymise"]
    description: str  # the policy's own words: shown on the desk and in every run record
    description_ru: str = ""
    # Why we may keep it that long (Art. 5(1)(e); Art. 5(2) accountability for our proof).
    basis: str = ""
    # Tables outside subjects.PersonalRecord the rule covers: "app_label.Model:clock_field".
    tables: list[str] = []

    @model_validator(mode="after")
    def _one_period(self) -> "RetentionRule":
        if (self.months is None) == (self.days is None):
            raise ValueError("give exactly one of months and days")
        return self


class Category(_Entry):
    id: Identifier
    title: str
    title_ru: str = ""
    retention: Identifier
    direct_identifier: bool = False


class Purpose(_Entry):
    id: Identifier
    title: str
    title_ru: str = ""
    legal_basis: Identifier
    categories: list[Identifier] = Field(min_length=1)
    consent_category: Identifier | None = None
    # GDPR Art. 30(1)(c): whose data this purpose processes.
    data_subjects: list[str] = Field(default_factory=lambda: ["website visitors"])
    # Art. 13(1)(d): a purpose resting on Art. 6(1)(f) must state the interest pursued.
    interest: str = ""
    interest_ru: str = ""

    data_subjects_ru: list[str] = []


class Recipient(_Entry):
    id: Identifier
    name: str
    role: str
    role_ru: str = ""
    shares: list[Identifier] = Field(min_length=1)
    shares_text: str
    shares_text_ru: str = ""
    when: Identifier  # "always" or a consent category id
    hosts: list[str] = []
    server_hosts: list[str] = []
    country: str
    # The purposes (§3) this recipient serves: policy §6 shares "solely to fulfil" them.
    purposes: list[Identifier] = []
    # GDPR Chapter V: a recipient outside the EEA needs a named safeguard (Art. 45/46/49).
    outside_eea: bool = True
    safeguard: str = ""
    safeguard_ru: str = ""

    country_ru: str = ""


class ConsentCategory(_Entry):
    id: Identifier
    title: str
    title_ru: str = ""
    description: str
    description_ru: str = ""
    required: bool = False


class Cookie(_Entry):
    name: str
    provider: str
    provider_ru: str = ""
    category: Identifier
    purpose: str
    purpose_ru: str = ""
    duration: str
    duration_ru: str = ""


class Promise(_Entry):
    """One sentence of the policy that promises something, and the tests that prove it."""

    id: Identifier
    section: int = Field(ge=1, le=9)
    text: str
    tests: list[str] = []
    # "pending": the app that will keep it (`awaiting`) has no tests yet; never proof.
    status: Literal["proven", "pending"] = "proven"
    awaiting: str = ""


class Register(_Entry):
    policy: Policy
    controller: Controller
    legal_bases: list[LegalBasis]
    retention: list[RetentionRule]
    categories: list[Category]
    purposes: list[Purpose]
    recipients: list[Recipient]
    consent_categories: list[ConsentCategory]
    cookies: list[Cookie]
    # Not part of the policy's content (excluded from its digest and snapshots): which test
    # proves which sentence changes without publishing a new policy version.
    promises: list[Promise] = Field(default=[], exclude=True)

    @model_validator(mode="after")
    def _references_resolve(self) -> "Register":
        problems: list[str] = []

        def unique(kind: str, ids: list[str]) -> set[str]:
            seen: set[str] = set()
            for ident in ids:
                if ident in seen:
                    problems.append(f"{kind} {ident!r} is declared twice")
                seen.add(ident)
            return seen

        bases = unique("legal_bases", [b.id for b in self.legal_bases])
        rules = unique("retention", [r.id for r in self.retention])
        categories = unique("categories", [c.id for c in self.categories])
        unique("purposes", [p.id for p in self.purposes])
        unique("recipients", [r.id for r in self.recipients])
        consent = unique("consent_categories", [c.id for c in self.consent_categories])
        unique("cookies", [c.name for c in self.cookies])
        unique("promises", [p.id for p in self.promises])
        purposes = {p.id for p in self.purposes}
        for r in self.recipients:
            for purpose in r.purposes:
                if purpose not in purposes:
                    problems.append(f"recipients {r.id!r}: purpose {purpose!r} is not declared")

        for c in self.categories:
            if c.retention not in rules:
                problems.append(f"categories {c.id!r}: retention {c.retention!r} is not a rule")
        for p in self.purposes:
            if p.legal_basis not in bases:
                problems.append(f"purposes {p.id!r}: legal_basis {p.legal_basis!r} is unknown")
            for cat in p.categories:
                if cat not in categories:
                    problems.append(f"purposes {p.id!r}: category {cat!r} is not declared")
            if p.consent_category and p.consent_category not in consent:
                problems.append(
                    f"purposes {p.id!r}: consent_category {p.consent_category!r} is unknown"
                )
        for r in self.recipients:
            if r.when != "always" and r.when not in consent:
                problems.append(
                    f"recipients {r.id!r}: when {r.when!r} is neither 'always' "
                    "nor a consent category"
                )
            for cat in r.shares:
                if cat not in categories:
                    problems.append(f"recipients {r.id!r}: shares {cat!r}, not a category")
        for cookie in self.cookies:
            if cookie.category not in consent:
                problems.append(f"cookies {cookie.name!r}: category {cookie.category!r} is unknown")
        used = {cat for p in self.purposes for cat in p.categories}
        for cat in sorted(categories - used):
            problems.append(f"categories {cat!r} is collected for no purpose")
        if not any(c.required for c in self.consent_categories):
            problems.append("consent_categories: one category must be required (necessary)")
        if problems:
            raise ValueError("; ".join(problems))
        return self
