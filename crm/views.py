"""Kommo's webhook endpoint: parse, apply, acknowledge (views stay thin, STYLE §2)."""

import hmac
import logging
from urllib.parse import parse_qsl

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


# Kommo sends a bulk change (a stage change of a few hundred leads) as one form body: far
# past Django's DATA_UPLOAD_MAX_NUMBER_FIELDS (1,000), which would fail request.POST and
# drop every change in it. The sender is authenticated by the path secret by now.
MAX_FORM_FIELDS = 100_000


def _form_items(request: HttpRequest) -> list[tuple[str, str]]:
    if request.content_type != "application/x-www-form-urlencoded":
        return list(request.POST.items())
    return parse_qsl(
        request.body.decode(request.encoding or "utf-8"),
        keep_blank_values=True,
        max_num_fields=MAX_FORM_FIELDS,
    )


@csrf_exempt
@require_POST
def kommo_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    if not _secret_matches(secret):
        logger.warning("crm.webhook.bad_secret")
        raise Http404("no such hook")
    try:
        items = _form_items(request)
    except Exception:  # a body we cannot parse: acknowledge, or Kommo retries forever
        logger.warning("crm.webhook.malformed")
        return HttpResponse("ok", content_type="text/plain")
    report = process_webhook(items)
    logger.info(
        "crm.webhook.received",
        extra={"applied": report.applied, "unknown": report.unknown, "duplicate": report.duplicate},
    )
    return HttpResponse("ok", content_type="text/plain")
