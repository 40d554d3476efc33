"""Attribution of a lead to the campaign it came from, fixed at the lead's creation.

Capturing a lead causes nothing here: a periodic batch job (analytics/schedule.py, every few
seconds) attributes the leads that have no attribution yet, newest first. The lead's request
is gone by then, but the lead stores what the visitor key is made of: its IP and User-Agent
(encrypted, readable through the model). Only today's salt exists (analytics/salts.py), so
the key is computed while the lead's day lasts; a lead the job reaches after midnight (the
worker was down) falls back to its own fields. We look up the key's events:

- cookieless: the page views of the same browser the same day;
- with analytics consent: if one of those events carries a consented id, that id's
  earlier visits too (across days, within the analytics retention);
- otherwise the lead's own UTM / referrer / landing-page fields (the form sends them);
- otherwise direct.

A touch is an entry into the site: a page view whose source is not internal. First touch:
the earliest; last touch: the latest non-direct one (or the latest, if all were direct).
"""

import datetime
import logging
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from capture.attribution import CLICK_ID_FIELDS, UTM_FIELDS, referrer_host
from capture.models import Lead

from ..models import Event, LeadAttribution
from ..sources import Source, classify
from ..visitor import site_host, visitor_key

logger = logging.getLogger(__name__)

# How far back a consented id may reach: the analytics retention (policy §5, 14 months).
CONSENTED_LOOKBACK = datetime.timedelta(days=427)
# Leads per run of the batch job: small, so a run takes milliseconds.
BATCH_SIZE = 50


@dataclass(frozen=True)
class Touch:
    ts: datetime.datetime | None
    source: Source
    landing_page: str


def lead_visitor_key(lead: Lead) -> str:
    """The visitor key of the browser that sent `lead`, if it can still be computed."""
    if not lead.ip_address and not lead.user_agent:
        return ""
    try:
        return visitor_key(
            ip=lead.ip_address or "", user_agent=lead.user_agent or "", day=lead.created_at.date()
        )
    except LookupError:  # the lead's day is over and its salt destroyed
        return ""


def _touches(events: list[Event]) -> list[Touch]:
    return [
        Touch(e.ts, Source(e.source_class, e.source, e.medium, e.campaign), e.path)
        for e in events
        if e.source_class != "internal"
    ]


def _touches_for(lead: Lead, key: str) -> tuple[list[Touch], str]:
    if not key:
        return [], ""
    day_events = list(
        Event.objects.filter(visitor_key=key, type=Event.PAGEVIEW, ts__lte=lead.created_at)
        .order_by("ts")
        .only("ts", "source_class", "source", "medium", "campaign", "path", "consented_id")
    )
    consented = {e.consented_id for e in day_events if e.consented_id}
    if consented:
        events = list(
            Event.objects.filter(
                consented_id__in=consented,
                type=Event.PAGEVIEW,
                ts__lte=lead.created_at,
                ts__gte=lead.created_at - CONSENTED_LOOKBACK,
            )
            .order_by("ts")
            .only("ts", "source_class", "source", "medium", "campaign", "path")
        )
        seen = {e.pk for e in events}
        events += [e for e in day_events if e.pk not in seen]
        events.sort(key=lambda e: e.ts)
        return _touches(events), LeadAttribution.Method.CONSENTED_ID
    return _touches(day_events), LeadAttribution.Method.VISITOR_KEY


def _touch_from_lead_fields(lead: Lead) -> Touch | None:
    utm = {name: getattr(lead, name) for name in UTM_FIELDS}
    click_ids = {name for name in CLICK_ID_FIELDS if getattr(lead, name)}
    host = referrer_host(lead.referrer) if lead.referrer else ""
    if not (any(utm.values()) or click_ids or host):
        return None
    site = (urlsplit(lead.landing_page).hostname or "") if lead.landing_page else ""
    source = classify(
        utm=utm, click_ids=click_ids, referrer_host=host, site_host=site or site_host()
    )
    landing = urlsplit(lead.landing_page).path if lead.landing_page else ""
    return Touch(None, source, landing[:500])


def _first_and_last(touches: list[Touch]) -> tuple[Touch, Touch]:
    first = touches[0]
    non_direct = [t for t in touches if t.source.source_class != "direct"]
    last = non_direct[-1] if non_direct else touches[-1]
    return first, last


def attribute_pending_leads(*, limit: int = BATCH_SIZE) -> int:
    """Attribute up to `limit` leads that have no attribution yet; returns how many were.

    Idempotent (a lead is attributed once; the one-to-one row settles a race between two
    workers) and small, so it never holds the database long. Newest first: a lead whose
    attribution keeps failing cannot starve the new ones, and a new lead's salt still exists.
    Erased, restricted or objecting subjects are skipped: no new processing of their data
    (GDPR Art. 17, 18, 21).
    """
    pending = list(
        Lead.objects.filter(
            attribution__isnull=True,
            subject__erased_at__isnull=True,
            subject__restricted_at__isnull=True,
            subject__objected_at__isnull=True,
        )
        .order_by("-created_at", "-pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for lead_id in pending:
        try:
            done += attribute_lead(lead_id=lead_id) is not None
        except Exception:  # one broken lead must not stop the others
            logger.exception("analytics.lead.attribution_failed", extra={"lead_id": lead_id})
    return done


def attribute_lead(*, lead_id: int) -> LeadAttribution | None:
    """Record the lead's attribution once; a lead keeps the attribution it was first given."""
    if LeadAttribution.objects.filter(lead_id=lead_id).exists():
        return None
    lead = Lead.objects.filter(pk=lead_id).first()
    if lead is None:
        return None
    touches, method = _touches_for(lead, lead_visitor_key(lead))
    if not touches:
        fallback = _touch_from_lead_fields(lead)
        if fallback is not None:
            touches, method = [fallback], LeadAttribution.Method.LEAD_FIELDS
        else:
            direct = Source("direct", "(direct)", "(none)")
            landing = urlsplit(lead.landing_page).path if lead.landing_page else ""
            touches, method = [Touch(None, direct, landing)], LeadAttribution.Method.NONE
    first, last = _first_and_last(touches)
    try:
        with transaction.atomic():
            attribution = LeadAttribution.objects.create(
                lead=lead,
                subject_id=lead.subject_id,
                retention_from=lead.retention_from,
                method=method,
                touches=len([t for t in touches if t.ts is not None]),
                first_seen_at=first.ts,
                **_fields("first", first),
                **_fields("last", last),
            )
    except IntegrityError:  # attributed concurrently: the first one stands
        return None
    logger.info("analytics.lead.attributed", extra={"lead_id": lead_id, "method": method})
    return attribution


def _fields(prefix: str, touch: Touch) -> dict[str, str]:
    return {
        f"{prefix}_source_class": touch.source.source_class,
        f"{prefix}_source": touch.source.source[:200],
        f"{prefix}_medium": touch.source.medium[:200],
        f"{prefix}_campaign": touch.source.campaign[:200],
        f"{prefix}_landing_page": touch.landing_page[:500],
    }
