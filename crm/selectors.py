from django.conf import settings
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from .models import KommoState, OutboxMessage


def kommo_configured() -> bool:
    return bool(settings.KOMMO_BASE_URL and settings.KOMMO_ACCESS_TOKEN)


def _due(kind: str):
    now = timezone.now()
    return OutboxMessage.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        kind=kind,
        state=OutboxMessage.State.PENDING,
        next_attempt_at__lte=now,
    ).order_by("created_at", "id")


def sweep_targets(*, kommo: bool, batch: int = 50, max_tasks: int = 10) -> list[int]:
    """Outbox ids worth a task now: every due email, and one lead row per batch of 50."""
    ids = list(_due(OutboxMessage.Kind.SALES_NOTIFICATION).values_list("pk", flat=True)[:100])
    if kommo and not kommo_blocked_or_paused():
        lead_ids = list(
            _due(OutboxMessage.Kind.CRM_LEAD).values_list("pk", flat=True)[: batch * max_tasks]
        )
        ids.extend(lead_ids[::batch])
    return ids


def kommo_blocked_or_paused() -> bool:
    state = KommoState.objects.filter(pk=1).first()
    if state is None:
        return False
    return bool(state.paused_at or (state.blocked_until and state.blocked_until > timezone.now()))


def kommo_connection() -> KommoState | None:
    return KommoState.objects.filter(pk=1).first()


def delivery_state_subquery() -> Subquery:
    """Annotate leads with their outbox state (for list views, one query)."""
    return Subquery(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.CRM_LEAD, ref=OuterRef("pk")).values(
            "state"
        )[:1]
    )
