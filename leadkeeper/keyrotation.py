"""Key rotation: re-encrypt every encrypted field and recompute every blind index.

Models are found through the app registry, not listed: any model with a field from
leadkeeper.crypto is re-encrypted, and any `<name>_index` field is recomputed, from the
model's own `<name>` field when it has one (a lead's phone), else from the records that
point at the row and carry that field (a subject's phone index, from its leads and
bookings). Rows go in batches, each batch and its progress row in one transaction, so a
crash loses at most one batch of work and a rerun continues from the last committed pk.
Both steps are idempotent: decrypting accepts any listed key, and an index is matched
against every index key before it is replaced.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from .crypto import (
    EncryptedCharField,
    EncryptedTextField,
    blind_index,
    blind_indexes,
    key_fingerprint,
)
from .models import KeyRotationProgress

ENCRYPTED = (EncryptedCharField, EncryptedTextField)
INDEX_SUFFIX = "_index"


@dataclass(frozen=True)
class RotationPlan:
    """What rotating one model means: the fields to re-encrypt and the indexes to recompute."""

    model: type[models.Model]
    encrypted: tuple[str, ...]
    # index field -> the plaintext field on the same row ("" when it lives on related rows)
    indexes: dict[str, str] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def _plan(model: type[models.Model]) -> RotationPlan | None:
    names = {f.name for f in model._meta.concrete_fields}
    encrypted = tuple(f.name for f in model._meta.concrete_fields if isinstance(f, ENCRYPTED))
    indexes = {
        name: (name.removesuffix(INDEX_SUFFIX) if name.removesuffix(INDEX_SUFFIX) in names else "")
        for name in names
        if name.endswith(INDEX_SUFFIX)
    }
    if not encrypted and not indexes:
        return None
    return RotationPlan(model=model, encrypted=encrypted, indexes=indexes)


def rotation_plans() -> list[RotationPlan]:
    """Every model holding encrypted fields or blind indexes, rows with plaintext first."""
    plans = [p for m in apps.get_models() if not m._meta.abstract and (p := _plan(m))]
    return sorted(plans, key=lambda p: (not p.encrypted, p.label))


def _sources_for(model: type[models.Model], index: str) -> Iterator[tuple[str, str]]:
    """(accessor, plaintext field) of each relation pointing at `model` whose rows hold both
    `index` and the field it is computed from."""
    source = index.removesuffix(INDEX_SUFFIX)
    for relation in model._meta.related_objects:
        names = {f.name for f in relation.related_model._meta.concrete_fields}
        if relation.one_to_many and index in names and source in names:
            yield relation.get_accessor_name(), source


def _index_from_related(row: models.Model, index: str) -> str | None:
    current = getattr(row, index)
    for accessor, source in _sources_for(type(row), index):
        for value in getattr(row, accessor).values_list(source, flat=True):
            if value and current in blind_indexes(value):
                return blind_index(value)
    return None  # no record left to recompute from: keep it (the old key stays listed)


def _rotate_row(row: models.Model, plan: RotationPlan) -> list[str]:
    """Recompute `row`'s indexes in place; returns the fields to write back."""
    changed = list(plan.encrypted)  # saving re-encrypts under the newest key
    for index, source in plan.indexes.items():
        if not getattr(row, index):
            continue
        new = blind_index(getattr(row, source) or "") if source else None
        if not source:
            new = _index_from_related(row, index)
        if new and new != getattr(row, index):
            setattr(row, index, new)
            changed.append(index)
    return changed


def _rotate_batch(plan: RotationPlan, progress: KeyRotationProgress, size: int) -> int:
    with transaction.atomic():
        rows = list(
            plan.model._default_manager.filter(pk__gt=progress.last_pk).order_by("pk")[:size]
        )
        for row in rows:
            fields = _rotate_row(row, plan)
            if fields:
                plan.model._default_manager.filter(pk=row.pk).update(
                    **{name: getattr(row, name) for name in fields}
                )
        if rows:
            progress.last_pk = rows[-1].pk
            progress.rows_done += len(rows)
        if len(rows) < size:
            progress.finished_at = timezone.now()
        progress.save()
    return len(rows)


def rotate_model(
    plan: RotationPlan, *, batch: int = 500, on_batch: Callable[[int], None] | None = None
) -> KeyRotationProgress:
    """Bring every row of one model to the newest keys, resuming an interrupted run."""
    progress, _ = KeyRotationProgress.objects.get_or_create(
        target=key_fingerprint(), model=plan.label
    )
    while progress.finished_at is None:
        done = _rotate_batch(plan, progress, batch)
        if on_batch is not None:
            on_batch(done)
    return progress
