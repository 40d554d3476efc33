"""Audited reads: every staff page or export that shows a person's data leaves an event.

Who (the staff user), which subjects (one event per subject, so the DPO can list them per
subject), which fields, and why: the reason the user gave once for this session
(Art. 5(2) accountability, Art. 32(4): staff process personal data only as instructed).
Views use `reason_required`; admin pages use audit.admin_reads.AuditedReadsMixin; any other
code that shows personal data (the rights desk) calls `record_read()`.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from .models import AuditEvent

SESSION_KEY = "audit.read_reason"
ACTION_VIEWED = "personal_data.viewed"
ACTION_EXPORTED = "personal_data.exported"


def read_reason(request: HttpRequest) -> str:
    """The reason this session's user gave for reading personal data ("" before the form)."""
    return request.session.get(SESSION_KEY, {}).get("reason", "")


def set_read_reason(request: HttpRequest, reason: str) -> None:
    request.session[SESSION_KEY] = {"reason": reason, "at": timezone.now().isoformat()}


def reason_url(request: HttpRequest) -> str:
    return f"{reverse('audit:read-reason')}?{urlencode({'next': request.get_full_path()})}"


def reason_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Ask for a reason before the first personal-data page of a session (GET only: a POST
    without one is sent to the form too, and nothing it asked for is shown)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not read_reason(request):
            return HttpResponseRedirect(reason_url(request))
        return view(request, *args, **kwargs)

    return wrapper


def actor_of(request: HttpRequest) -> str:
    return f"staff:{request.user.pk}"


def record_read(
    *,
    request: HttpRequest,
    subject_ids: Iterable[int | None],
    fields: Iterable[str],
    what: str,
    exported: str = "",
    action: str = "",
    data: dict | None = None,
) -> int:
    """One event per subject shown; `what` names the page or export ("lead admin list"),
    `exported` the format of a download. Records that belong to no subject (a banner
    choice) still leave one event. Returns how many events were written."""
    subjects: list[int | None] = sorted({s for s in subject_ids if s is not None}) or [None]
    body = {"fields": sorted(set(fields)), "what": what, **(data or {})}
    if exported:
        body["format"] = exported
    events = [
        AuditEvent(
            actor=actor_of(request),
            action=action or (ACTION_EXPORTED if exported else ACTION_VIEWED),
            subject_id=subject_id,
            reason=read_reason(request)[:255],
            data=body,
        )
        for subject_id in subjects
    ]
    # Appended in the caller's transaction, sealed later like every event (audit/models.py).
    AuditEvent.objects.bulk_create(events)
    return len(events)
