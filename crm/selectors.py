from django.conf import settings
from django.db.models import OuterRef, Subquery

from . import pacing
from .models import KommoState, OutboxMessage


def kommo_configured() -> bool:
    return bool(settings.KOMMO_BASE_URL and settings.KOMMO_ACCESS_TOKEN)


def outbox_has_due_rows() -> bool:
    """Whether the delivery job has work now: a due email, or a due lead Kommo may take.

    Read by the scheduler every second (one indexed query), so an idle site writes nothing.
    """
    due = OutboxMessage.objects.due
    if due(kind=OutboxMessage.Kind.SALES_NOTIFICATION).exists():
        return True
    return (
        kommo_configured()
        and not kommo_blocked_or_paused()
        and due(kind=OutboxMessage.Kind.CRM_LEAD).exists()
    )


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
