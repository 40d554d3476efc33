"""What each register rule applies to, and which of those rows are due at a moment.

Periods, clocks and actions come from the register only (DESIGN: the one truth); this
module knows where each clock lives in the tables. A step is one rule over one table.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.apps import apps
from django.db.models import Exists, F, Model, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from audit.services import prune_events_before
from register.loader import get_register
from register.schema import RetentionRule
from subjects.models import Subject
from subjects.selectors import personal_record_models

from .models import LegalHold

# Tables whose owner prunes them through its own service, one batch per call, given the
# rule's cutoff: audit.services.prune_events_before removes the chain's start and leaves a
# sealed checkpoint, so `manage.py audit verify` stays green (a plain delete would read as
# tampering).
PRUNERS: dict[str, Callable[..., int]] = {"audit.auditevent": prune_events_before}
# Vendor ids a row keeps of the copy a recipient holds (policy §6), by the register's
# recipient id: expiring the row leaves a RecipientAction for the recipient's step.
RECIPIENT_IDS = {
    "capture.lead": ("kommo", ("kommo_lead_id", "kommo_contact_id")),
    "booking.booking": ("calcom", ("uid",)),
}


def months_before(moment: datetime, months: int) -> datetime:
    """The same wall time `months` calendar months earlier (31 March - 1 month = 28/29 Feb)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def cutoff(rule: RetentionRule, now: datetime) -> datetime:
    """A row whose clock is before this has outlived the rule's period."""
    if rule.months is not None:
        return months_before(now, rule.months)
    return now - timedelta(days=rule.days)


def active_holds(now: datetime) -> QuerySet[LegalHold]:
    return LegalHold.objects.filter(released_at__isnull=True).filter(
        Q(until__isnull=True) | Q(until__gt=now)
    )


@dataclass(frozen=True)
class Step:
    """One rule over one table, e.g. "contact" over capture.lead."""

    rule: RetentionRule
    model: type[Model]
    clock: object  # an expression whose value is the row's clock
    due_q: Q  # the rule's period is over
    via_subject: str | None  # the path to the subject ("subject", "" for Subject itself)
    keep_q: Q | None = None  # due, but held for another reason (a client's contract)
    keep_reason: str = ""
    # The owner's prune service: prune(before=cutoff, batch=n) -> rows pruned (0: done).
    prune: Callable[..., int] | None = None
    anonymise_in_place: bool = False  # keep the row (retention_keeps), blank the rest

    @property
    def key(self) -> str:
        return f"{self.rule.id}:{self.model._meta.label_lower}"

    def due(self, now: datetime) -> QuerySet:
        rows = self.model._base_manager.filter(self.due_q)
        if self.anonymise_in_place:
            # Anonymised rows keep no blind index: they are not due again.
            indexes = [f.name for f in self.model._meta.fields if f.name.endswith("_index")]
            rows = rows.exclude(**{name: "" for name in indexes})
        return rows

    def _subject_q(self, suffix: str) -> str:
        return f"{self.via_subject}__{suffix}" if self.via_subject else suffix

    def restricted_q(self) -> Q:
        if self.via_subject is None:
            return Q(pk__in=[])
        return Q(**{self._subject_q("restricted_at__isnull"): False})

    def held_q(self, now: datetime) -> Q:
        if self.via_subject is None:
            return Q(pk__in=[])
        held = active_holds(now).filter(subject=OuterRef(self.via_subject or "pk"))
        return Q(Exists(held))

    def actionable(self, now: datetime) -> QuerySet:
        """Due rows the sweep may act on: not restricted (Art. 18), not held."""
        rows = self.due(now).exclude(self.restricted_q()).exclude(self.held_q(now))
        return rows.exclude(self.keep_q) if self.keep_q is not None else rows


def _clock_expression(rule: RetentionRule, model: type[Model]) -> object:
    if rule.clock == "last_interaction":
        return Coalesce("subject__last_interaction_at", "retention_from")
    if rule.clock == "contract_completed":
        return F("contract_completed_at")
    return F("retention_from")


def _due_q(rule: RetentionRule, now: datetime) -> Q:
    cut = cutoff(rule, now)
    if rule.clock == "last_interaction":
        return Q(subject__last_interaction_at__lt=cut) | Q(
            subject__isnull=True, retention_from__lt=cut
        )
    if rule.clock == "contract_completed":
        return Q(contract_completed_at__lt=cut)
    return Q(retention_from__lt=cut)


def _goes_with_its_lead(model: type[Model]) -> bool:
    """A row deleted by its lead's cascade (analytics.LeadAttribution) follows the lead."""
    field = next((f for f in model._meta.fields if f.name == "lead"), None)
    return field is not None and field.remote_field.on_delete.__name__ == "CASCADE"


def _record_steps(rule: RetentionRule, rules: dict, now: datetime) -> list[Step]:
    steps = []
    for model in personal_record_models():
        is_client_table = {"won_at", "contract_completed_at"} <= {
            f.name for f in model._meta.fields
        }
        if rule.clock == "contract_completed" and is_client_table:
            # The contract rule ends only what the contact rule has also ended: a client
            # still in touch keeps their contact data (policy §5, both periods).
            own = rules[model.retention_rule]
            due = _due_q(rule, now) & _due_q(own, now)
            steps.append(
                Step(
                    rule,
                    model,
                    _clock_expression(rule, model),
                    due,
                    "subject",
                    anonymise_in_place=bool(getattr(model, "retention_keeps", ())),
                )
            )
        elif model.retention_rule == rule.id and not _goes_with_its_lead(model):
            keep_q = keep_reason = None
            if is_client_table:
                # A won deal is client contract data (policy §5, Art. 17(3)(b)): held until
                # 5 years after completion, which the contract rule sweeps.
                keep_q, keep_reason = Q(won_at__isnull=False), "client contract held"
            steps.append(
                Step(
                    rule,
                    model,
                    _clock_expression(rule, model),
                    _due_q(rule, now),
                    "subject",
                    keep_q=keep_q,
                    keep_reason=keep_reason or "",
                )
            )
    return steps


def _table_steps(rule: RetentionRule, now: datetime) -> list[Step]:
    steps = []
    for entry in rule.tables:
        label, _, field = entry.partition(":")
        try:
            model = apps.get_model(label)
        except LookupError:
            continue  # not installed here (e.g. the rights app on another deployment)
        due = Q(**{f"{field}__lt": cutoff(rule, now)})
        prune = PRUNERS.get(model._meta.label_lower)
        steps.append(Step(rule, model, F(field), due, None, prune=prune))
    return steps


def _subject_step(rule: RetentionRule, now: datetime) -> Step:
    """Last: a subject goes once its clock ran out and none of its records is left."""
    due = Q(last_interaction_at__lt=cutoff(rule, now))
    for model in personal_record_models():
        due &= ~Q(Exists(model._base_manager.filter(subject=OuterRef("pk"))))
    return Step(rule, Subject, F("last_interaction_at"), due, "")


def plan(now: datetime) -> list[Step]:
    """Every step of every rule, in the order a sweep takes them."""
    register = get_register()
    rules = {rule.id: rule for rule in register.retention}
    steps: list[Step] = []
    for rule in register.retention:
        if rule.clock is None:
            continue  # `register check` refuses this; the sweep cannot guess a clock
        steps += _record_steps(rule, rules, now) + _table_steps(rule, now)
    # Subject.last_interaction_at is the clock of the leads' rule (policy §5, contact data).
    contact = rules[apps.get_model("capture", "Lead").retention_rule]
    return [*steps, _subject_step(contact, now)]


def skip_notes(step: Step, now: datetime) -> list[str]:
    """Due rows the sweep leaves, and why (said in every run record, policy §5)."""
    notes = []
    label = step.model._meta.verbose_name_plural
    restricted = step.due(now).filter(step.restricted_q()).count()
    if restricted:
        notes.append(f"{restricted} {label} of restricted subjects (Art. 18)")
    held = step.due(now).exclude(step.restricted_q()).filter(step.held_q(now)).count()
    if held:
        notes.append(f"{held} {label} under a legal hold (Art. 17(3)(e))")
    if step.keep_q is not None:
        kept = step.due(now).exclude(step.restricted_q()).filter(step.keep_q).count()
        if kept:
            notes.append(f"{kept} {label}: {step.keep_reason} (Art. 17(3)(b))")
    return notes
