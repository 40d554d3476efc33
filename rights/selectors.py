"""Reads of the rights desk."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .clock import days_left, is_due_soon
from .models import Export, RightsRequest, Step


@dataclass(frozen=True)
class DeskRow:
    request: RightsRequest
    days_left: int
    due_soon: bool
    awaiting_call: bool


def open_requests(*, now: datetime | None = None) -> list[DeskRow]:
    """Open requests, fewest days left first; phone-only ones wait for a call back."""
    now = now or timezone.now()
    rows = RightsRequest.objects.filter(status__in=RightsRequest.OPEN).order_by("due_at", "pk")
    return [
        DeskRow(
            request=r,
            days_left=days_left(due_at=r.due_at, now=now),
            due_soon=is_due_soon(due_at=r.due_at, now=now),
            awaiting_call=r.verified_at is None and bool(r.phone_index) and not r.email_index,
        )
        for r in rows
    ]


def recently_closed(*, limit: int = 20) -> QuerySet[RightsRequest]:
    return RightsRequest.objects.filter(status=RightsRequest.Status.COMPLETE).order_by(
        "-completed_at"
    )[:limit]


def request_steps(*, request: RightsRequest) -> QuerySet[Step]:
    return request.steps.order_by("stage", "pk")


def export_for_download(*, export_id: int, reference: str) -> Export | None:
    return Export.objects.filter(pk=export_id, request__reference=reference).first()
