from django.db.models import QuerySet

from .models import AuditEvent


def events_for_subject(*, subject_id: int, limit: int = 500) -> QuerySet[AuditEvent]:
    """The newest `limit` events about one subject."""
    return AuditEvent.objects.filter(subject_id=subject_id).order_by("-id")[:limit]
