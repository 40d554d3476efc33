"""Kommo's webhook endpoint: parse, apply, acknowledge (views stay thin, STYLE §2)."""

import hmac
import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .inbound import process_webhook

logger = logging.getLogger(__name__)


def _secret_matches(secret: str) -> bool:
    expected = settings.KOMMO_WEBHOOK_SECRET
    # Constant-time comparison: the path secret is the webhook's only credential.
    return bool(expected) and hmac.compare_digest(secret.encode(), expected.encode())


@csrf_exempt
@require_POST
def kommo_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    if not _secret_matches(secret):
        logger.warning("crm.webhook.bad_secret")
        raise Http404("no such hook")
    try:
        items = list(request.POST.items())
    except Exception:  # a body Django cannot parse: acknowledge, or Kommo retries forever
        logger.warning("crm.webhook.malformed")
        return HttpResponse("ok", content_type="text/plain")
    report = process_webhook(items)
    logger.info(
        "crm.webhook.received",
        extra={"applied": report.applied, "unknown": report.unknown, "duplicate": report.duplicate},
    )
    return HttpResponse("ok", content_type="text/plain")
