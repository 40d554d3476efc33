from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from .models import OutboxMessage


def kommo_configured() -> bool:
    return bool(settings.KOMMO_BASE_URL and settings.KOMMO_ACCESS_TOKEN)


def messages_due(*, limit: int = 100) -> list[OutboxMessage]:
    return list(
        OutboxMessage.objects.filter(
            state=OutboxMessage.State.PENDING, next_attempt_at__lte=timezone.now()
        ).order_by("created_at", "id")[:limit]
    )


def delivery_state_for_leads(lead_ids: list[int]) -> dict[int, OutboxMessage]:
    return {
        m.ref: m
        for m in OutboxMessage.objects.filter(kind=OutboxMessage.Kind.CRM_LEAD, ref__in=lead_ids)
    }


def delivery_state_subquery() -> Subquery:
    """Annotate leads with their outbox state (for list views, one query)."""
    return Subquery(
        OutboxMessage.objects.filter(kind=OutboxMessage.Kind.CRM_LEAD, ref=OuterRef("pk")).values(
            "state"
        )[:1]
    )
