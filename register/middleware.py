import secrets
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .csp import csp_header


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
        if request.path.startswith(("/admin/", "/api/docs")):
            # Django admin and the bundled Swagger UI use inline styles; they are staff-only.
            return response
        response.setdefault(
            "Content-Security-Policy",
            csp_header(nonce=request.csp_nonce, granted=granted_categories(request)),
        )
        return response
