"""Reads the visitor's consent on every request, before the CSP is built from it.

Sets `request.consent` (ConsentState or None) and `request.consent_granted` (the categories
usable on this response: none before a choice, none after the register changed), opens the
consent scope that links form consent to the banner's id, and on the way out:
- gives a visitor whose form consent was just recorded the cookie that lets them find it;
- remembers the GA client id seen under analytics consent (for a later erasure);
- deletes Google Analytics cookies a visitor without analytics consent still carries.
"""

import logging
from collections.abc import Callable
from dataclasses import replace

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from integrations.google.cookies import client_id_from_cookie, is_ga_cookie

from .scope import ConsentScope, enter_scope, leave_scope
from .services import observe_ga_client_id
from .state import (
    COOKIE_NAME,
    ConsentState,
    decode_state,
    ga_fingerprint,
    new_state,
    set_state_cookie,
)

logger = logging.getLogger(__name__)


def delete_ga_cookies(request: HttpRequest, response: HttpResponse) -> list[str]:
    """Expire every GA cookie the request carried (host-only; consent.js clears the rest)."""
    names = [name for name in request.COOKIES if is_ga_cookie(name)]
    for name in names:
        response.delete_cookie(name, samesite="Lax")
    return names


class ConsentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(settings.STATIC_URL):
            request.consent, request.consent_granted = None, set()
            return self.get_response(request)
        state = decode_state(request.COOKIES.get(COOKIE_NAME))
        request.consent = state
        request.consent_granted = set(state.effective) if state else set()
        scope = ConsentScope(
            consent_id=(state or new_state()).consent_id, from_cookie=state is not None
        )
        token = enter_scope(scope)
        try:
            response = self.get_response(request)
        finally:
            leave_scope(token)
        self._after(request, response, state, scope)
        return response

    def _after(
        self,
        request: HttpRequest,
        response: HttpResponse,
        state: ConsentState | None,
        scope: ConsentScope,
    ) -> None:
        if "text/html" in response.get("Content-Type", ""):
            patch_vary_headers(response, ("Cookie",))
        if COOKIE_NAME in response.cookies:
            return  # a consent view already wrote the new state (and cleared GA if needed)
        if state is None:
            # An error answer stored nothing (its transaction rolled back): no cookie for an
            # id without records.
            if scope.used and response.status_code < 400:
                set_state_cookie(response, ConsentState(consent_id=scope.consent_id))
            delete_ga_cookies(request, response)
            return
        if "analytics" not in state.effective:
            delete_ga_cookies(request, response)
            return
        client_id = client_id_from_cookie(request.COOKIES.get("_ga", ""))
        fingerprint = ga_fingerprint(client_id)
        if client_id and fingerprint != state.ga_seen:
            observe_ga_client_id(consent_id=state.consent_id, client_id=client_id)
            set_state_cookie(response, replace(state, ga_seen=fingerprint))
            logger.info("consent.ga_client_id.recorded")
