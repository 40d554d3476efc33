"""Defences every response and every public POST gets, whatever view answers it.

SecurityHeadersMiddleware (outermost, so early answers and static files get them too):
X-Content-Type-Options, Referrer-Policy, frame protection, Cross-Origin-Opener-Policy and
Permissions-Policy; the CSP is register/middleware.py's.

PublicPostMiddleware, before any view reads the body: 413 above the size limit, 415 on a
JSON endpoint sent anything but JSON (a `text/plain` post needs no CORS preflight, which is
how a foreign page would send it), and the rate limit of endpoints whose views count
nothing themselves (webhooks, rights requests), through leadkeeper.ratelimit like the rest.
Leads, consent and the collector count in their services, where the answer is theirs.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from . import ratelimit
from .context import client_ip

JSON_ONLY = ("/api/v1/leads", "/api/v1/consent", "/api/v1/rights-requests")
# Path prefix -> (scope, setting naming the rate). Rights requests are limited by their own
# intake service (per address and per identifier: rights/services/intake.py), not here.
RATE_LIMITED = {
    "/hooks/": ("webhook", "WEBHOOK_RATE_LIMIT"),
}
# Kommo sends a bulk change of a few hundred leads as one form body (crm/views.py).
LARGE_BODIES = ("/hooks/kommo/",)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Referrer-Policy", settings.SECURE_REFERRER_POLICY)
        response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if not getattr(response, "xframe_options_exempt", False):
            response.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response


def refuse(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


def _body_limit(path: str) -> int:
    if path.startswith(LARGE_BODIES):
        return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or settings.MAX_REQUEST_BODY_BYTES
    return settings.MAX_REQUEST_BODY_BYTES


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


class PublicPostMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST":
            refusal = self._check(request)
            if refusal is not None:
                return refusal
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> HttpResponse | None:
        path, length, limit = request.path, _declared_length(request), _body_limit(request.path)
        if length > limit:
            return refuse(request, 413, f"The body is {length} bytes; at most {limit}.")
        if path.startswith(JSON_ONLY) and request.content_type != "application/json":
            return refuse(
                request, 415, f"Send application/json, not {request.content_type or 'nothing'}."
            )
        for prefix, (scope, setting) in RATE_LIMITED.items():
            if path.startswith(prefix) and not ratelimit.allow(
                scope=scope, ip=client_ip(request), rate=getattr(settings, setting)
            ):
                response = refuse(request, 429, "Too many requests; try again in a minute.")
                response["Retry-After"] = "60"
                return response
        return None
