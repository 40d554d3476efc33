"""What expiry does to one batch of rows: delete, or anonymise keeping what reports count.

Runs inside the batch's short transaction, together with the progress it records, so a
crash leaves either the whole batch done and counted, or none of it.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Model

from analytics.services.retention import finalise_rollups_before

from ..models import RecipientAction, RetentionRun
from ..plans import RECIPIENT_IDS, Step, cutoff


def prepare(step: Step, *, now: datetime) -> None:
    """Once per step before its batches: aggregates that need the rows are built first."""
    if step.model._meta.label_lower == "analytics.event":
        # Daily rollups hold no personal data and stay (policy §5); freeze them before any
        # raw event of their day goes.
        finalise_rollups_before(before=cutoff(step.rule, now))


def _leave_for_recipients(step: Step, rows: list[Model], run: RetentionRun) -> int:
    """The recipient's copy expires with ours: one pending action per record it holds."""
    entry = RECIPIENT_IDS.get(step.model._meta.label_lower)
    if entry is None:
        return 0
    recipient, fields = entry
    actions = []
    for row in rows:
        target = {name: getattr(row, name) for name in fields if getattr(row, name)}
        if not target:
            continue  # never reached the recipient (e.g. a lead still in the outbox)
        key = f"{step.model._meta.model_name}:{row.pk}"
        actions.append(
            RecipientAction(
                recipient=recipient, rule=step.rule.id, run=run, target=target, target_key=key
            )
        )
    # ignore_conflicts: a batch redone after a crash does not ask the recipient twice.
    RecipientAction.objects.bulk_create(actions, ignore_conflicts=True)
    return len(actions)


# What a required encrypted field holds once anonymised (it stores "" as NULL).
ANONYMISED = "anonymised"


def _blank_value(field: object) -> object:
    if field.null:
        return None
    return "" if field.get_prep_value("") is not None else ANONYMISED


def _anonymise(step: Step, rows: list[Model]) -> int:
    model = step.model
    keeps = set(getattr(model, "retention_keeps", ()))
    blank = [
        f
        for f in model._meta.fields
        if f.name not in keeps and (f.name in model.register_fields or f.name.endswith("_index"))
    ]
    for row in rows:
        for field in blank:
            setattr(row, field.attname, _blank_value(field))
        row.subject_id = None
    model._base_manager.bulk_update(rows, [f.name for f in blank] + ["subject"])
    return len(rows)


def apply(step: Step, *, ids: list[int], run: RetentionRun) -> dict[str, int]:
    """Expire the rows `ids` of `step`; returns what happened, by outcome."""
    model = step.model
    counts: dict[str, int] = {}
    if model._meta.label_lower in RECIPIENT_IDS or step.anonymise_in_place:
        rows = list(model._base_manager.filter(pk__in=ids))
        counts["recipient_actions"] = _leave_for_recipients(step, rows, run)
        if step.anonymise_in_place:
            counts["anonymised"] = _anonymise(step, rows)
            return counts
    deleted, _ = model._base_manager.filter(pk__in=ids).delete()
    # `deleted` includes cascades (a lead's attribution); the step counts its own rows.
    counts["deleted"] = len(ids)
    counts["cascaded"] = deleted - len(ids)
    return counts
