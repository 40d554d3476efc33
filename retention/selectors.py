"""Reads for the desk and the dry run: what would go, per rule, in the policy's words."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone

from register.loader import get_register

from .models import RecipientAction, RetentionRun
from .plans import Step, cutoff, plan, skip_notes

# The promise (issue 11): nothing outlives its period by more than a day.
OVERDUE_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class TablePreview:
    table: str
    would_go: int
    action: str  # "delete" | "anonymise" | "delete (the owner's prune)"
    oldest_clock: datetime | None
    overdue: int


@dataclass
class RulePreview:
    rule_id: str
    title: str
    description: str  # the register's own words: "3 years from last interaction"
    basis: str
    categories: list[str]
    cutoff: datetime
    tables: list[TablePreview] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def would_go(self) -> int:
        return sum(t.would_go for t in self.tables)

    @property
    def overdue(self) -> int:
        return sum(t.overdue for t in self.tables)

    @property
    def oldest_clock(self) -> datetime | None:
        clocks = [t.oldest_clock for t in self.tables if t.oldest_clock]
        return min(clocks) if clocks else None


def _rows(step: Step, now: datetime):
    return step.actionable(now)


def _table_preview(step: Step, late: Step, now: datetime) -> TablePreview:
    """`late` is the same step a day earlier: what it finds is more than a day overdue."""
    rows = _rows(step, now)
    if step.prune is not None:
        action = "delete (the owner's prune)"
    else:
        action = "anonymise" if step.anonymise_in_place else "delete"
    return TablePreview(
        table=step.model._meta.label_lower,
        would_go=rows.count(),
        action=action,
        oldest_clock=rows.aggregate(oldest=Min(step.clock))["oldest"],
        overdue=_rows(late, now).count(),
    )


def retention_preview(*, now: datetime | None = None) -> list[RulePreview]:
    """Per rule, what a sweep run now would delete or anonymise, and what it would skip."""
    now = now or timezone.now()
    register = get_register()
    categories: dict[str, list[str]] = {}
    for category in register.categories:
        categories.setdefault(category.retention, []).append(category.title)
    previews = {
        rule.id: RulePreview(
            rule_id=rule.id,
            title=rule.title,
            description=rule.description,
            basis=rule.basis,
            categories=categories.get(rule.id, []),
            cutoff=cutoff(rule, now),
        )
        for rule in register.retention
        if rule.clock is not None
    }
    late_steps = {step.key: step for step in plan(now - OVERDUE_AFTER)}
    for step in plan(now):
        preview = previews[step.rule.id]
        preview.tables.append(_table_preview(step, late_steps[step.key], now))
        preview.skipped.extend(skip_notes(step, now))
    return list(previews.values())


def recent_runs(*, limit: int = 20) -> list[RetentionRun]:
    return list(RetentionRun.objects.order_by("-started_at")[:limit])


def pending_recipient_actions(*, recipient: str | None = None) -> list[RecipientAction]:
    """What recipients still owe for expired data, in any state but done."""
    actions = RecipientAction.objects.exclude(state=RecipientAction.State.DONE)
    if recipient:
        actions = actions.filter(recipient=recipient)
    return list(actions)


def recipient_actions_due() -> bool:
    """Read by the scheduler each minute: an action the executor may take up now."""
    now = timezone.now()
    return (
        RecipientAction.objects.filter(state__in=RecipientAction.OPEN, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .exists()
    )


def recipient_actions_by_run(*, run_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per run, how many of its recipient actions are in each state (the desk's history)."""
    rows = (
        RecipientAction.objects.filter(run_id__in=run_ids)
        .values("run_id", "state")
        .annotate(n=Count("id"))
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        counts.setdefault(row["run_id"], {})[row["state"]] = row["n"]
    return counts


def recipient_actions_needing_attention(*, limit: int = 50) -> list[RecipientAction]:
    """Not done yet, with what went wrong or what a person must do; the oldest first."""
    return list(
        RecipientAction.objects.exclude(state=RecipientAction.State.DONE).order_by(
            "created_at", "id"
        )[:limit]
    )


def last_completed_run() -> RetentionRun | None:
    return (
        RetentionRun.objects.filter(state=RetentionRun.State.DONE, dry_run=False)
        .order_by("-finished_at")
        .first()
    )
