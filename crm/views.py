"""Kommo's webhook endpoint: check the path secret, apply, acknowledge (views stay thin)."""

import hmac
import logging

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.kommo.webhooks import form_items

from .errors import WebhookFromForeignAccount
from .inbound import process_webhook

logger = logging.getLogger(__name__)


def _secret_matches(secret: str) -> bool:
    expected = settings.KOMMO_WEBHOOK_SECRET
    # Constant-time comparison: the path secret is the webhook's only credential (Kommo
    # configures a hook by URL and events alone and does not sign it:
    # developers.kommo.com/docs/webhooks-general).
    return bool(expected) and hmac.compare_digest(secret.encode(), expected.encode())


def _items(request: HttpRequest) -> list[tuple[str, str]]:
    if request.content_type != "application/x-www-form-urlencoded":
        return list(request.POST.items())
    # Not request.POST: a bulk change is past Django's 1,000 form fields (see form_items).
    return form_items(request.body, encoding=request.encoding or "utf-8")


@csrf_exempt
@require_POST
def kommo_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    if not _secret_matches(secret):
        logger.warning("crm.webhook.bad_secret")
        raise Http404("no such hook")
    try:
        items = _items(request)
    except Exception:  # a body we cannot parse: acknowledge, or Kommo retries forever
        logger.warning("crm.webhook.malformed")
        return HttpResponse("ok", content_type="text/plain")
    try:
        report = process_webhook(items)
    except WebhookFromForeignAccount:
        logger.warning("crm.webhook.foreign_account")
        return HttpResponse("not our account", status=403, content_type="text/plain")
    logger.info(
        "crm.webhook.received",
        extra={
            "applied": report.applied,
            "unknown": report.unknown,
            "duplicate": report.duplicate,
            "skipped": report.skipped,
        },
    )
    return HttpResponse("ok", content_type="text/plain")
