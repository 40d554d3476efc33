"""Kommo's webhook endpoint: check the path secret, store the body, acknowledge at once.

Kommo disables a hook that answers slowly, so the endpoint applies nothing: the body goes
to the inbox in one INSERT and the worker applies it (crm.webhook_inbox, issue 9).
"""

import hmac
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .webhook_inbox import store_webhook

logger = logging.getLogger(__name__)


def _secret_matches(secret: str) -> bool:
    expected = settings.KOMMO_WEBHOOK_SECRET
    # Constant-time comparison: the path secret is the webhook's only credential (Kommo
    # configures a hook by URL and events alone and does not sign it:
    # developers.kommo.com/docs/webhooks-general).
    return bool(expected) and hmac.compare_digest(secret.encode(), expected.encode())


def _urlencoded_body(request: HttpRequest) -> bytes:
    if request.content_type == "application/x-www-form-urlencoded":
        return request.body  # as Kommo sends it: stored untouched, parsed by the worker
    try:
        return urlencode(list(request.POST.items())).encode()
    except Exception:  # a body Django cannot parse either: kept raw, failed for staff
        return request.body


@csrf_exempt
@require_POST
def kommo_webhook(request: HttpRequest, secret: str) -> HttpResponse:
    if not _secret_matches(secret):
        logger.warning("crm.webhook.bad_secret")
        raise Http404("no such hook")
    inbox_id = store_webhook(body=_urlencoded_body(request), encoding=request.encoding or "utf-8")
    logger.info("crm.webhook.stored", extra={"inbox_id": inbox_id})
    return HttpResponse("ok", content_type="text/plain")
