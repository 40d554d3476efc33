import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .csp import csp_header

# Swagger UI: its bundle and init script and stylesheet from /static/, its icons as data:
# images in the stylesheet, the OpenAPI document and "try it out" requests to this origin.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def granted_categories(request: HttpRequest) -> set[str]:
    """Consent categories this visitor granted (the consent app sets request.consent_granted)."""
    return set(getattr(request, "consent_granted", ()) or ())


class ContentSecurityPolicyMiddleware:
    """Sets a per-request nonce for our own inline scripts and the register-built CSP."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if request.path.startswith("/admin/"):
            # Django admin's own templates use inline scripts and styles; it is staff-only,
            # behind a login, and never shows a visitor-controlled page.
            return response
        if request.path.startswith("/api/docs"):
            # Public on purpose: partner landings integrate against this API. Swagger UI is
            # served from our static files (ninja's bundle, no CDN) and needs nothing else.
            response.setdefault("Content-Security-Policy", DOCS_CSP)
            return response
        response.setdefault(
            "Content-Security-Policy",
            csp_header(nonce=request.csp_nonce, granted=granted_categories(request)),
        )
        return response
