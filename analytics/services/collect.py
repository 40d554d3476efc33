"""The collector: validate page-view and engagement events, enrich them, store them in bulk.

Contract (POST /api/v1/collect): one JSON object or a list of them,
`{type: "pageview"|"engagement", url, referrer?, duration_ms?, ts?, cid?}`. Each event is
validated on its own, so a malformed event never breaks a good one in the same batch.
Stored per event (policy §2): time, path, UTM / click-id query, referrer host and source
class, country, browser / OS / device type, a visitor key. Never an IP, never a cookie.
"""

import datetime
import logging
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from django.conf import settings
from django.utils import timezone

from capture.attribution import (
    ATTRIBUTION_PARAMS,
    CLICK_ID_FIELDS,
    UTM_FIELDS,
    normalise_click_id,
    normalise_utm,
)
from leadkeeper import ratelimit
from leadkeeper.context import RequestContext
from leadkeeper.jsonbody import MalformedJSON, loads_strict

from ..buffer import forget_buffered_ids, store_events
from ..errors import BodyTooLarge, CollectRateLimited, InvalidEvent, MalformedBody
from ..models import Event
from ..salts import today
from ..sources import classify
from ..visitor import consented_id_hash, consented_id_hashes, visitor_key

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 32 * 1024
MAX_BATCH = 50
MAX_URL = 2000
MAX_PATH = 500
# Visible time is reported when the page is hidden; four hours in one go is a tab left
# open on a wall screen, not reading.
MAX_DURATION_MS = 4 * 60 * 60 * 1000
MAX_CLOCK_SKEW = datetime.timedelta(seconds=60)
MAX_EVENT_AGE = datetime.timedelta(hours=1)
TYPES = {"pageview": Event.PAGEVIEW, "engagement": Event.ENGAGEMENT}
KNOWN_KEYS = {"type", "url", "referrer", "duration_ms", "ts", "cid"}
CID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@dataclass
class CollectResult:
    accepted: int = 0
    rejected: int = 0
    bots: int = 0
    errors: dict[int, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Consent:
    """What the visitor allowed: with analytics consent, a first-party id links days."""

    analytics: bool = False


def parse_body(body: bytes) -> list | dict:
    if len(body) > MAX_BODY_BYTES:
        raise BodyTooLarge(f"the body is {len(body)} bytes; at most {MAX_BODY_BYTES} are accepted")
    try:
        data = loads_strict(body)
    except MalformedJSON as error:
        raise MalformedBody(str(error)) from None
    if not isinstance(data, dict | list):
        raise MalformedBody("the body must be an event object or a list of events")
    return data


# An ordinary visitor's beacons never reach the shared counter; a flood does once in this many.
FLUSH_EVERY = 200


def check_collect_rate(*, context: RequestContext, events: int) -> None:
    """Events per address (IPv6: per /64) per minute: a flood must not fake the figures."""
    rate = ratelimit.Rate.parse(settings.COLLECT_RATE_LIMIT)
    flush_every = max(1, min(FLUSH_EVERY, rate.limit // 4))
    allowed = ratelimit.allow_batched(
        scope="collect", ip=context.ip, rate=rate, cost=events, flush_every=flush_every
    )
    if not allowed:
        logger.warning("analytics.collect.rate_limited", extra={"events": events})
        raise CollectRateLimited(
            f"more than {rate.limit} events in {rate.seconds} s from one address"
        )


# Unicode category Cc is exactly these two ranges.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")


def _has_control_characters(value: str) -> bool:
    return CONTROL_CHARACTERS.search(value) is not None


def _text(raw: dict, key: str, *, required: bool = False) -> str:
    value = raw.get(key)
    if value is None:
        if required:
            raise InvalidEvent(key, "This field is required.")
        return ""
    if not isinstance(value, str):
        raise InvalidEvent(key, "must be a string")
    if len(value) > MAX_URL:
        raise InvalidEvent(key, f"is {len(value)} characters long; at most {MAX_URL}")
    if _has_control_characters(value):
        raise InvalidEvent(key, "contains control characters")
    return value


@dataclass(frozen=True)
class CleanEvent:
    type: int
    ts: datetime.datetime
    path: str
    params: dict[str, str]
    referrer_host: str
    duration_ms: int | None
    cid: str


def clean_event(raw: object, *, host: str, now: datetime.datetime) -> CleanEvent:
    """One event, validated; InvalidEvent names the field and what is wrong with it."""
    if not isinstance(raw, dict):
        raise InvalidEvent("__all__", "an event must be a JSON object")
    unknown = set(raw) - KNOWN_KEYS
    if unknown:
        raise InvalidEvent(sorted(unknown)[0], "is not a known field")
    kind = raw.get("type")
    if not isinstance(kind, str) or kind not in TYPES:  # {} or [] is unhashable: a TypeError
        raise InvalidEvent("type", 'must be "pageview" or "engagement"')
    url = _text(raw, "url", required=True)
    try:
        parts = urlsplit(url)
    except ValueError:
        raise InvalidEvent("url", "is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidEvent("url", "must be an absolute http(s) URL")
    if parts.hostname.lower() != host:
        raise InvalidEvent("url", "is not a page of this site")
    path = parts.path or "/"
    if _has_control_characters(unquote(path)):
        raise InvalidEvent("url", "the path contains control characters")
    if len(path) > MAX_PATH:
        raise InvalidEvent("url", f"the path is longer than {MAX_PATH} characters")
    params = {k.lower(): v for k, v in parse_qsl(parts.query) if k.lower() in ATTRIBUTION_PARAMS}
    if any(_has_control_characters(v) for v in params.values()):
        raise InvalidEvent("url", "a UTM tag contains control characters")

    referrer_host = ""
    referrer = _text(raw, "referrer")
    if referrer:
        try:
            referrer_parts = urlsplit(referrer)
            referrer_host = (referrer_parts.hostname or "").lower()
        except ValueError:
            raise InvalidEvent("referrer", "is not a URL") from None
        if referrer_parts.scheme not in ("http", "https", "android-app") or not referrer_host:
            referrer_host = ""  # a referrer is a hint: an odd scheme counts as direct

    duration = raw.get("duration_ms")
    if kind == "engagement":
        if isinstance(duration, bool) or not isinstance(duration, int | float):
            raise InvalidEvent("duration_ms", "an engagement needs duration_ms, a number")
        if duration < 0 or duration != duration:
            raise InvalidEvent("duration_ms", "must not be negative")
        if duration > MAX_DURATION_MS:
            raise InvalidEvent("duration_ms", f"must be at most {MAX_DURATION_MS} (4 hours)")
        duration = int(duration)
    elif duration is not None:
        raise InvalidEvent("duration_ms", "a page view has no duration")

    ts = now
    raw_ts = raw.get("ts")
    if raw_ts is not None:
        if isinstance(raw_ts, bool) or not isinstance(raw_ts, int | float):
            raise InvalidEvent("ts", "must be milliseconds since the epoch")
        try:
            ts = datetime.datetime.fromtimestamp(raw_ts / 1000, tz=datetime.UTC)
        except (OverflowError, ValueError, OSError):
            raise InvalidEvent("ts", "is out of range") from None
        if ts > now + MAX_CLOCK_SKEW:
            raise InvalidEvent("ts", "is in the future")
        if ts < now - MAX_EVENT_AGE:
            raise InvalidEvent("ts", "is more than an hour old")
        # A visitor key belongs to one day: an event sent just after midnight about the
        # page left just before it is filed under today.
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        ts = min(max(ts, midnight), now)

    cid = raw.get("cid") or ""
    if cid and (not isinstance(cid, str) or not CID_PATTERN.match(cid)):
        raise InvalidEvent("cid", "must be 16 to 64 characters of [A-Za-z0-9_-]")
    return CleanEvent(TYPES[kind], ts, path, params, referrer_host, duration, cid)


def _event_row(
    clean: CleanEvent, *, context: RequestContext, key: str, consented_id: str, host: str
) -> dict[str, object]:
    """The row of one event, by field attname (plain values: insert_events converts them)."""
    utm = {name: clean.params.get(name, "") for name in UTM_FIELDS}
    click_ids = {name for name in CLICK_ID_FIELDS if normalise_click_id(clean.params.get(name))}
    is_pageview = clean.type == Event.PAGEVIEW
    if is_pageview:
        source = classify(
            utm=utm, click_ids=click_ids, referrer_host=clean.referrer_host, site_host=host
        )
        query = urlencode(sorted(clean.params.items()))[:500]
    else:
        source, query = None, ""
    return {
        "subject_id": None,
        "ts": clean.ts,
        "retention_from": clean.ts,
        "type": clean.type,
        "visitor_key": key,
        "consented_id": consented_id,
        "path": clean.path,
        "query": query,
        "referrer_host": clean.referrer_host[:255] if is_pageview else "",
        "source_class": source.source_class if source else "",
        "source": source.source[:200] if source else "",
        "medium": source.medium[:200] if source else "",
        "campaign": source.campaign[:200] if source else "",
        "utm_term": normalise_utm(utm["utm_term"]) if is_pageview else "",
        "utm_content": normalise_utm(utm["utm_content"]) if is_pageview else "",
        "country": context.country,
        "browser": context.ua.browser,
        "os": context.ua.os,
        "device_type": context.ua.device_type,
        "duration_ms": clean.duration_ms,
    }


def collect_events(
    *, events: list, context: RequestContext, host: str, consent: Consent
) -> CollectResult:
    """Validate each event, drop bots (counted), store the rest in one INSERT."""
    result = CollectResult()
    now = timezone.now()
    if context.ua.is_bot:
        result.bots = len(events)
        store_events([], bots=(today(), len(events)))
        return result
    host = host.lower()
    cleaned: list[CleanEvent] = []
    for index, raw in enumerate(events):
        try:
            cleaned.append(clean_event(raw, host=host, now=now))
        except InvalidEvent as error:
            result.rejected += 1
            result.errors[index] = {error.field: error.message}
    if not cleaned:
        return result
    key = visitor_key(ip=context.ip, user_agent=context.user_agent, day=today())
    cids = {clean.cid for clean in cleaned if clean.cid}
    consented_id = ""
    if cids and consent.analytics:
        consented_id = consented_id_hash(sorted(cids)[0])
    elif cids:
        # The browser still holds an id but consent is gone (withdrawn or lapsed): forget it.
        for cid in cids:
            forget_consented_id(cid=cid)
    rows = [
        _event_row(clean, context=context, key=key, consented_id=consented_id, host=host)
        for clean in cleaned
    ]
    store_events(rows)
    result.accepted = len(rows)
    return result


def forget_consented_id(*, cid: str) -> int:
    """Withdrawal of analytics consent: the id no longer links anything we hold, stored or
    still in a collector's buffer (this process's now, every process's one window later)."""
    hashes = consented_id_hashes(cid)
    forgotten = forget_buffered_ids(hashes)
    forgotten += Event.objects.filter(consented_id__in=hashes).update(consented_id="")
    if forgotten:
        logger.info("analytics.consented_id.forgotten", extra={"events": forgotten})
    return forgotten
