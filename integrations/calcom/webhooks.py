"""Verify and parse Cal.com webhooks.

Cal.com signs each delivery with the webhook's secret: `X-Cal-Signature-256` is the hex
HMAC-SHA256 of the raw request body. Without a secret Cal.com sends "no-secret-provided",
which never matches.
"""

import hashlib
import hmac

from pydantic import ValidationError

from leadkeeper.jsonbody import MalformedJSON, loads_strict

from .errors import CalcomPayloadInvalid, CalcomSignatureInvalid
from .payloads import BookingPayload, WebhookEvent

SIGNATURE_HEADER = "X-Cal-Signature-256"


def signature_for(*, body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_signature(*, body: bytes, signature: str, secret: str) -> None:
    """Raise CalcomSignatureInvalid unless `signature` is the body's HMAC (constant time)."""
    if not secret:
        raise CalcomSignatureInvalid("CALCOM_WEBHOOK_SECRET is not set; no delivery can verify")
    given = (signature or "").strip().lower()
    if given.startswith("sha256="):
        given = given[len("sha256=") :]
    expected = signature_for(body=body, secret=secret)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise CalcomSignatureInvalid(
            f"{SIGNATURE_HEADER} does not match the body ({len(body)} bytes)"
        )


def parse_event(body: bytes) -> WebhookEvent:
    try:
        data = loads_strict(body)
    except MalformedJSON as error:
        raise CalcomPayloadInvalid(f"the webhook body is not JSON we accept: {error}") from None
    if not isinstance(data, dict):
        raise CalcomPayloadInvalid("the webhook body is not a JSON object")
    try:
        return WebhookEvent.model_validate(data)
    except ValidationError as error:
        raise CalcomPayloadInvalid(f"not a Cal.com webhook event: {_fields(error)}") from None


def parse_booking(event: WebhookEvent) -> BookingPayload:
    try:
        return event.booking()
    except ValidationError as error:
        raise CalcomPayloadInvalid(
            f"{event.trigger_event} payload is not a booking: {_fields(error)}"
        ) from None


def _fields(error: ValidationError) -> str:
    # Field names and messages only: the input values may hold names and emails.
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in error.errors()
    )
