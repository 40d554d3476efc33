"""The collector's contract as OpenAPI (issue 14 item 5): what POST /api/v1/collect enforces.

The view reads the raw body (a sendBeacon posts text/plain, which no ninja schema parses),
so the request body is described here and attached with `openapi_extra`. The limits are
the service's own constants, so the document cannot drift from the code.
"""

from ninja import Schema

from .services.collect import MAX_BATCH, MAX_BODY_BYTES, MAX_DURATION_MS, MAX_URL

_EVENT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type", "url"],
    "properties": {
        "type": {"enum": ["pageview", "engagement"]},
        "url": {
            "type": "string",
            "maxLength": MAX_URL,
            "description": "Absolute http(s) URL of a page of this site (its host is checked).",
        },
        # Optional fields may be null, which counts as left out.
        "referrer": {"type": ["string", "null"], "maxLength": MAX_URL},
        "duration_ms": {
            "type": ["number", "null"],
            "minimum": 0,
            "maximum": MAX_DURATION_MS,
            "description": "Visible time; required on an engagement, absent on a page view.",
        },
        "ts": {
            "type": ["number", "null"],
            "minimum": 0,
            "maximum": 10**15,
            "description": "Milliseconds since the epoch, within the last hour (default: now).",
        },
        "cid": {"type": ["string", "null"], "pattern": "^([A-Za-z0-9_-]{16,64})?$"},
    },
}
# A batch is judged event by event, so one bad event never costs the good ones: any object
# is accepted into a batch, and those that break the event schema come back in `rejected`
# and `errors` of the 202.
_BATCH = {
    "type": "array",
    "maxItems": MAX_BATCH,
    "items": {"description": "An event as in the single-event form; anything else is rejected."},
}
_BODY = {"oneOf": [_EVENT, _BATCH]}

COLLECT_OPENAPI = {
    "requestBody": {
        "required": True,
        "description": f"At most {MAX_BODY_BYTES} bytes. text/plain is JSON too (sendBeacon).",
        "content": {"application/json": {"schema": _BODY}, "text/plain": {"schema": _BODY}},
    }
}


class Collected(Schema):
    accepted: int
    rejected: int
    errors: dict[str, dict[str, str]] | None = None


class CollectErrors(Schema):
    errors: dict[str, list[str]]


class TooLarge(Schema):
    """Over the collector's 32 KB: `errors`; over every POST's limit, refused before the view
    (leadkeeper/middleware.py): `detail`."""

    errors: dict[str, list[str]] | None = None
    detail: str | None = None


COLLECT_RESPONSES = {
    202: Collected,
    400: CollectErrors,  # not JSON, or JSON we refuse (depth, huge numbers, duplicate keys)
    413: TooLarge,
    415: CollectErrors,  # neither application/json nor text/plain
    422: CollectErrors,  # a single event that breaks the contract, or more than 50
    429: CollectErrors,  # more events from this address in a minute than COLLECT_RATE_LIMIT
    503: CollectErrors,  # the database has been away long enough to fill the buffer
}
