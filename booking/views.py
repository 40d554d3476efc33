"""POST /hooks/calcom/: Cal.com's signed booking webhooks."""

import logging

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.calcom.errors import CalcomPayloadInvalid, CalcomSignatureInvalid
from integrations.calcom.webhooks import SIGNATURE_HEADER, parse_event, verify_signature

from .errors import BookingWebhookRejected
from .services import handle_calcom_event

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024


@csrf_exempt
@require_POST
def calcom_webhook(request: HttpRequest) -> JsonResponse:
    if not settings.CALCOM_WEBHOOK_SECRET:
        logger.warning("booking.webhook.not_configured")
        return JsonResponse({"detail": "Cal.com webhooks are not configured."}, status=503)
    body = request.body
    if len(body) > MAX_BODY:
        return JsonResponse({"detail": "The body is too large."}, status=413)
    try:
        # Verify before parsing: nothing from an unsigned body is read or stored.
        verify_signature(
            body=body,
            signature=request.headers.get(SIGNATURE_HEADER, ""),
            secret=settings.CALCOM_WEBHOOK_SECRET,
        )
    except CalcomSignatureInvalid:
        logger.warning("booking.webhook.bad_signature", extra={"bytes": len(body)})
        return JsonResponse({"detail": "Invalid signature."}, status=401)
    try:
        handled = handle_calcom_event(event=parse_event(body))
    except (CalcomPayloadInvalid, BookingWebhookRejected) as problem:
        logger.warning("booking.webhook.rejected", extra={"reason": type(problem).__name__})
        return JsonResponse({"detail": str(problem)}, status=400)
    return JsonResponse({"outcome": handled.outcome, "booking": handled.booking_id})
