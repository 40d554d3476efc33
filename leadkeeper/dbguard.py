"""The database unreachable is a clear 503, not a 500 page (issue 14, item 7).

A lead the form could not store is not half-stored: capture_lead is one durable
transaction, so the failure rolls everything back, and the visitor is told to retry.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error as default_server_error

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
MESSAGE = "The service is briefly unavailable; nothing was stored. Please try again shortly."


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 in the shape the caller expects: JSON for the API, a short page otherwise."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": MESSAGE}, status=503)
    else:
        html = (
            '<!doctype html><html lang="en"><meta charset="utf-8"><title>Unavailable</title>'
            f"<h1>Temporarily unavailable</h1><p>{MESSAGE}</p></html>"
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Turns a connection failure raised by a view into a 503 (`server_error` below covers
    one raised by another middleware)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            # The class name only: a driver's message can quote the statement's values.
            logger.error("database.unavailable", extra={"error": type(exception).__name__})
            return database_unavailable(request)
        return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database failure outside a view is still a 503, anything else a 500."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return default_server_error(request)
