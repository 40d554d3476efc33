"""POST /api/v1/collect: the collector endpoint (mounted by leadkeeper/api.py).

Thin: check the envelope (size, content type, JSON), hand the events to the service,
answer 202 with what was accepted. It reads no cookie but the consent state and sets none.
`text/plain` is accepted because navigator.sendBeacon cannot send application/json without
a CORS preflight.
"""

from urllib.parse import urlsplit

from django.http import HttpRequest, JsonResponse
from ninja import Router

from leadkeeper.context import request_context

from .contract import COLLECT_OPENAPI, COLLECT_RESPONSES
from .errors import BodyTooLarge, InvalidEvent, TooManyEvents, UnsupportedContentType
from .services.collect import (
    MAX_BATCH,
    MAX_BODY_BYTES,
    Consent,
    check_collect_rate,
    collect_events,
    parse_body,
)

router = Router(tags=["analytics"])

ACCEPTED_TYPES = {"application/json", "text/plain"}


def _check_envelope(request: HttpRequest) -> bytes:
    content_type = request.content_type or ""
    if content_type not in ACCEPTED_TYPES:
        raise UnsupportedContentType(
            f"content type {content_type or '(none)'!r} is not accepted; "
            "send application/json or text/plain"
        )
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        raise BodyTooLarge(f"the body is {declared} bytes; at most {MAX_BODY_BYTES} are accepted")
    return request.body


def _consent(request: HttpRequest) -> Consent:
    # The consent app puts the visitor's granted categories on the request.
    granted = getattr(request, "consent_granted", None) or ()
    return Consent(analytics="analytics" in granted)


@router.post(
    "",
    auth=None,
    response=COLLECT_RESPONSES,
    openapi_extra=COLLECT_OPENAPI,
    summary="Collect page views and visible time",
)
def collect(request: HttpRequest) -> JsonResponse:
    """One event object or a list (at most 50): `{type: "pageview"|"engagement", url,
    referrer?, duration_ms?, ts?}`. 202 `{accepted, rejected, errors}`; 413 / 415 / 400 for
    the envelope; 422 for a single invalid event."""
    # Errors answer through leadkeeper/api.py as {"errors": {...}} with their own status.
    data = parse_body(_check_envelope(request))
    single = isinstance(data, dict)
    events = [data] if single else data
    if len(events) > MAX_BATCH:
        raise TooManyEvents(f"{len(events)} events; at most {MAX_BATCH} a batch")
    context = request_context(request)
    check_collect_rate(context=context, events=len(events))
    host = (urlsplit(f"//{request.get_host()}").hostname or "").lower()
    result = collect_events(events=events, context=context, host=host, consent=_consent(request))
    if single and result.rejected:
        ((field, message),) = result.errors[0].items()
        raise InvalidEvent(field, message)
    body = {"accepted": result.accepted, "rejected": result.rejected}
    if result.errors:
        body["errors"] = {str(i): e for i, e in result.errors.items()}
    return JsonResponse(body, status=202)
