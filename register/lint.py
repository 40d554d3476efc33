"""The register's linter: the questions a lawyer asks of a register of processing.

The schema (schema.py) makes sure the file is well formed and its references resolve; this
module asks whether it is complete: every purpose has its basis (Art. 6), a legitimate
interest is stated (Art. 13(1)(d)), consent-based processing waits for that consent
(Art. 7), what the models store is what the register declares (Art. 30(1)(c)), every
category has a period and a clock (Art. 5(1)(e)), every transfer has a Chapter V safeguard,
and every cookie says what it does and for how long (ePrivacy Art. 5(3)).
Each finding names the entry and says what to add.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from django.apps import apps

from .schema import Register

LEGITIMATE_INTERESTS = "6(1)(f)"


@dataclass(frozen=True)
class Finding:
    entry: str
    problem: str
    fix: str

    def __str__(self) -> str:
        return f"{self.entry}: {self.problem}; {self.fix}"


def stored_categories() -> dict[str, set[str]]:
    """Category id -> the model fields that store it ("capture.Lead.phone").

    A personal record is any installed model that annotates its fields with
    `register_fields` (PersonalRecord subclasses, wherever that base lives).
    """
    stored: dict[str, set[str]] = {}
    for model in apps.get_models():
        fields = getattr(model, "register_fields", None)
        if not isinstance(fields, Mapping):
            continue
        for field, category in fields.items():
            stored.setdefault(category, set()).add(f"{model._meta.label}.{field}")
    return stored


def lint_register(register: Register, *, stored: Mapping[str, set[str]]) -> list[Finding]:
    checks = (
        _purposes_have_a_basis(register),
        _legitimate_interests_are_stated(register),
        _consent_purposes_wait_for_consent(register),
        _stored_matches_declared(register, stored),
        _categories_have_a_period(register),
        _transfers_have_a_safeguard(register),
        _cookies_are_described(register),
    )
    return [finding for check in checks for finding in check]


def _purposes_have_a_basis(register: Register) -> Iterator[Finding]:
    bases = {b.id for b in register.legal_bases}
    for purpose in register.purposes:
        if purpose.legal_basis not in bases:
            yield Finding(
                f"purposes {purpose.id!r}",
                f"has no legal basis ({purpose.legal_basis!r} is not one of {sorted(bases)})",
                "add legal_basis = one of the [[legal_bases]] ids (GDPR Art. 6(1))",
            )


def _legitimate_interests_are_stated(register: Register) -> Iterator[Finding]:
    interests = {b.id for b in register.legal_bases if b.article == LEGITIMATE_INTERESTS}
    for purpose in register.purposes:
        if purpose.legal_basis in interests and not purpose.interest.strip():
            yield Finding(
                f"purposes {purpose.id!r}",
                "rests on legitimate interests (Art. 6(1)(f)) without stating the interest",
                'add interest = "the interest pursued" (Art. 13(1)(d))',
            )


def _consent_purposes_wait_for_consent(register: Register) -> Iterator[Finding]:
    purposes = {p.id: p for p in register.purposes}
    for recipient in register.recipients:
        if not recipient.purposes:
            yield Finding(
                f"recipients {recipient.id!r}",
                "serves no declared purpose (policy §6: shared solely for §3's purposes)",
                "add purposes = [the [[purposes]] ids it serves]",
            )
        for purpose_id in recipient.purposes:
            purpose = purposes.get(purpose_id)
            gate = purpose.consent_category if purpose else None
            if gate and recipient.when != gate:
                yield Finding(
                    f"recipients {recipient.id!r}",
                    f"loads {_when(recipient.when)} but serves purpose {purpose_id!r}, "
                    f"which rests on consent to {gate!r}",
                    f'set when = "{gate}" so it loads only after that consent (Art. 7)',
                )


def _when(when: str) -> str:
    return "always" if when == "always" else f"with consent to {when!r}"


def _stored_matches_declared(
    register: Register, stored: Mapping[str, set[str]]
) -> Iterator[Finding]:
    declared = {c.id for c in register.categories}
    for category in sorted(set(stored) - declared):
        fields = ", ".join(sorted(stored[category]))
        yield Finding(
            f"categories {category!r}",
            f"is stored by {fields} but declared nowhere",
            f'add a [[categories]] entry with id = "{category}", its title and retention',
        )
    for category in sorted(declared - set(stored)):
        yield Finding(
            f"categories {category!r}",
            "is declared but no model stores it",
            "annotate the field that stores it in its model's register_fields, "
            "or remove the category",
        )


def _categories_have_a_period(register: Register) -> Iterator[Finding]:
    rules = {r.id: r for r in register.retention}
    for category in register.categories:
        if category.retention not in rules:
            yield Finding(
                f"categories {category.id!r}",
                "has no retention rule",
                "add retention = one of the [[retention]] ids (Art. 5(1)(e), policy §5)",
            )
    for rule in register.retention:
        if not rule.clock:
            yield Finding(
                f"retention {rule.id!r}",
                "has no clock: nothing says when its period starts",
                'add clock = "last_interaction", "collected" or "contract_completed"',
            )


def _transfers_have_a_safeguard(register: Register) -> Iterator[Finding]:
    for recipient in register.recipients:
        if recipient.outside_eea and not recipient.safeguard.strip():
            yield Finding(
                f"recipients {recipient.id!r}",
                f"receives data outside the EEA ({recipient.country}) with no Chapter V "
                "safeguard named",
                'add safeguard = "adequacy decision (Art. 45)", "standard contractual '
                'clauses (Art. 46(2)(c))" or the Art. 49 derogation relied on',
            )


def _cookies_are_described(register: Register) -> Iterator[Finding]:
    for cookie in register.cookies:
        for field, example in (("duration", '"12 months"'), ("purpose", '"what it is for"')):
            if not getattr(cookie, field).strip():
                yield Finding(
                    f"cookies {cookie.name!r}",
                    f"has no {field}",
                    f"add {field} = {example} (it is shown in the cookie declaration)",
                )
