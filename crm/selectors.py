from django.conf import settings
from django.db.models import OuterRef, Subquery

from . import pacing
from .models import KommoState, OutboxMessage


def kommo_configured() -> bool:
    return bool(settings.KOMMO_BASE_URL and settings.KOMMO_ACCESS_TOKEN)


def sweep_targets(*, kommo: bool, batch: int = 50, max_tasks: int = 10) -> list[int]:
    """Outbox ids worth a task now: every due email, and one lead row per batch of 50."""
    due = OutboxMessage.objects.due
    ids = list(due(kind=OutboxMessage.Kind.SALES_NOTIFICATION).values_list("pk", flat=True)[:100])
    if kommo and not kommo_blocked_or_paused():
        lead_ids = list(
            due(kind=OutboxMessage.Kind.CRM_LEAD).values_list("pk", flat=True)[: batch * max_tasks]
        )
        ids.extend(lead_ids[::batch])
    return ids


def kommo_blocked_or_paused() -> bool:
    return pacing.delivery_paused() or pacing.blocked_until() is not None


def kommo_connection() -> KommoState | None:
    return pacing.kommo_state_if_any()


def delivery_state_subquery() -> Subquery:
    """Annotate leads with their outbox state (for list views, one query)."""
    return Subquery(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.CRM_LEAD, ref=OuterRef("pk")).values(
            "state"
        )[:1]
    )
