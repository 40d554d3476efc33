"""Which browser origins may post to our public API (issue 15: cross-site leads).

A browser sends `Origin` on every cross-site POST; a page elsewhere could otherwise make
its visitors' browsers submit leads or consent in their name. Requests without `Origin`
come from no browser page (a server, curl) and face the rate limit and Turnstile instead.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest


def _netloc(origin: str) -> str:
    return urlsplit(origin.strip()).netloc.lower()


def foreign_origin(request: HttpRequest, *, partners: bool) -> bool:
    """True when the request's Origin is neither this site, a CSRF-trusted origin, nor
    (with `partners`) a declared partner landing (PARTNER_ORIGINS)."""
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    allowed = {request.get_host().lower()}
    allowed |= {_netloc(o) for o in settings.CSRF_TRUSTED_ORIGINS}
    if partners:
        allowed |= {_netloc(o) for o in settings.PARTNER_ORIGINS}
    # "null" (a sandboxed frame, a file: page) has no netloc and is foreign.
    return _netloc(origin) not in allowed or not _netloc(origin)


def own_origin(request: HttpRequest) -> bool:
    """The request comes from a page of this site (same host or a CSRF-trusted origin)."""
    origin = request.headers.get("Origin")
    return origin is not None and not foreign_origin(request, partners=False)
