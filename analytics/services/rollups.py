"""Daily rollups: the aggregates reports read, rebuilt per day from raw events, idempotently.

A visit is a run of one visitor key's events with no gap over 30 minutes (keys rotate
daily, so a visit never spans midnight). Its entry is its first page view: the entry's
source and path are the visit's source and landing page. A bounce is a visit with a single
page view. Visible time is the sum of the engagement reports.

Rebuilding a day replaces its rows in one transaction; a day whose raw events were pruned
is final (RollupDay.raw_pruned) and is never rebuilt, so retention keeps the aggregates.
"""

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from capture.models import Lead

from ..errors import RollupRefused
from ..models import (
    LANDING_GROUPING,
    SOURCE_GROUPING,
    DailyConversions,
    DailyDimension,
    DailyPage,
    DailySummary,
    DailyTraffic,
    Event,
    LeadAttribution,
    RollupDay,
)

logger = logging.getLogger(__name__)

VISIT_GAP = datetime.timedelta(minutes=30)
UNKNOWN = "(unknown)"


@dataclass
class Visit:
    key: str
    last_ts: datetime.datetime
    source_key: tuple[str, str, str, str, str] | None = None
    dims: tuple[str, str, str, str] = ("", "", "", "")
    pages: list[str] = field(default_factory=list)
    visible_ms: int = 0


@dataclass
class _Acc:
    visits: int = 0
    pageviews: int = 0
    bounces: int = 0
    visible_ms: int = 0
    visitors: set = field(default_factory=set)


@dataclass
class _PageAcc:
    pageviews: int = 0
    entries: int = 0
    bounces: int = 0
    visible_ms: int = 0
    visitors: set = field(default_factory=set)


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)
    return start, start + datetime.timedelta(days=1)


def _visits(day: datetime.date) -> tuple[list[Visit], dict[str, int]]:
    """Sessionise a day's events; also the visible time per path."""
    start, end = day_bounds(day)
    rows = (
        Event.objects.filter(ts__gte=start, ts__lt=end)
        .order_by("visitor_key", "ts", "id")
        .values_list(
            "visitor_key",
            "ts",
            "type",
            "path",
            "source_class",
            "source",
            "medium",
            "campaign",
            "device_type",
            "browser",
            "os",
            "country",
            "duration_ms",
        )
        .iterator(chunk_size=5000)
    )
    visits: list[Visit] = []
    visible_by_path: dict[str, int] = defaultdict(int)
    current: Visit | None = None
    for (
        key,
        ts,
        kind,
        path,
        s_class,
        source,
        medium,
        campaign,
        device,
        browser,
        os_family,
        country,
        duration,
    ) in rows:
        is_pageview = kind == Event.PAGEVIEW
        same_visitor = current is not None and current.key == key
        if not (same_visitor and ts - current.last_ts <= VISIT_GAP):
            if not is_pageview:
                if not same_visitor:
                    continue  # visible time of a page viewed the day before: not this day's
                # else: a late visible-time report belongs to the visit it ends
            else:
                current = Visit(key=key, last_ts=ts)
                visits.append(current)
        current.last_ts = ts
        if is_pageview:
            if current.source_key is None:
                if s_class == "internal":  # came back from another tab: no new source
                    s_class, source, medium, campaign = "direct", "(direct)", "(none)", ""
                current.source_key = (s_class, source, medium, campaign, path)
                current.dims = (device, browser, os_family, country)
            current.pages.append(path)
        elif duration:
            current.visible_ms += duration
            visible_by_path[path] += duration
    return visits, visible_by_path


def _accumulate(visits: list[Visit], visible_by_path: dict[str, int]):
    summary = _Acc()
    traffic: dict[tuple, _Acc] = defaultdict(_Acc)
    dimensions: dict[tuple[str, str], _Acc] = defaultdict(_Acc)
    pages: dict[str, _PageAcc] = defaultdict(_PageAcc)
    for visit in visits:
        bounce = len(visit.pages) == 1
        s_class, source, medium, campaign, landing = visit.source_key
        targets = [
            summary,
            traffic[(SOURCE_GROUPING, s_class, source, medium, campaign, "")],
            traffic[(LANDING_GROUPING, "", "", "", "", landing)],
        ]
        for name, value in zip(DailyDimension.DIMENSIONS, visit.dims, strict=True):
            targets.append(dimensions[(name, value or UNKNOWN)])
        for acc in targets:
            acc.visits += 1
            acc.pageviews += len(visit.pages)
            acc.bounces += bounce
            acc.visible_ms += visit.visible_ms
            acc.visitors.add(visit.key)
        entry = pages[visit.pages[0]]
        entry.entries += 1
        entry.bounces += bounce
        for path in visit.pages:
            page = pages[path]
            page.pageviews += 1
            page.visitors.add(visit.key)
    for path, ms in visible_by_path.items():
        if path in pages:
            pages[path].visible_ms += ms
    return summary, traffic, dimensions, pages


def _booking_model():
    """The booking app's model, when it exists (built in parallel; counted generically)."""
    if not apps.is_installed("booking"):
        return None
    try:
        model = apps.get_model("booking", "Booking")
    except LookupError:
        return None
    lead_field = next(
        (
            f.name
            for f in model._meta.get_fields()
            if getattr(f, "related_model", None) is Lead and f.many_to_one
        ),
        None,
    )
    time_field = next(
        (
            name
            for name in ("booked_at", "created_at", "created")
            if any(f.name == name for f in model._meta.get_fields())
        ),
        None,
    )
    if lead_field is None or time_field is None:
        return None
    return model, lead_field, time_field


def _conversion_rows(day: datetime.date) -> list[DailyConversions]:
    start, end = day_bounds(day)
    counts: dict[tuple, dict[str, int]] = defaultdict(
        lambda: {"leads": 0, "booked_calls": 0, "won_deals": 0}
    )
    values = (
        "first_source_class",
        "first_source",
        "first_medium",
        "first_campaign",
        "first_landing_page",
        "last_source_class",
        "last_source",
        "last_medium",
        "last_campaign",
        "last_landing_page",
    )
    missing = ("direct", "(unattributed)", "(none)", "", "")

    def credit(lead_ids: list[int], metric: str) -> None:
        found = dict(
            (row[0], row[1:])
            for row in LeadAttribution.objects.filter(lead_id__in=lead_ids).values_list(
                "lead_id", *values
            )
        )
        for lead_id in lead_ids:
            row = found.get(lead_id)
            first, last = (row[:5], row[5:]) if row else (missing, missing)
            for model, touch in (
                (DailyConversions.FIRST_TOUCH, first),
                (DailyConversions.LAST_TOUCH, last),
            ):
                counts[(model, SOURCE_GROUPING, *touch[:4], "")][metric] += 1
                counts[(model, LANDING_GROUPING, "", "", "", "", touch[4])][metric] += 1

    credit(
        list(
            Lead.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
                "pk", flat=True
            )
        ),
        "leads",
    )
    credit(
        list(Lead.objects.filter(won_at__gte=start, won_at__lt=end).values_list("pk", flat=True)),
        "won_deals",
    )
    booking = _booking_model()
    if booking is not None:
        model, lead_field, time_field = booking
        booked = model.objects.filter(
            Q(**{f"{time_field}__gte": start, f"{time_field}__lt": end}),
            **{f"{lead_field}__isnull": False},
        )
        names = {f.name for f in model._meta.get_fields()}
        if "rescheduled_from" in names:  # a reschedule is the same call, booked once
            booked = booked.filter(rescheduled_from="")
        if "status" in names:
            booked = booked.exclude(status="cancelled")
        booked = booked.values_list(f"{lead_field}_id", flat=True)
        credit(list(booked), "booked_calls")
    return [
        DailyConversions(
            day=day,
            model=key[0],
            grouping=key[1],
            source_class=key[2],
            source=key[3],
            medium=key[4],
            campaign=key[5],
            landing_page=key[6],
            **metrics,
        )
        for key, metrics in counts.items()
    ]


def rebuild_day(*, day: datetime.date) -> RollupDay:
    """Recompute every rollup of `day` from raw events and leads; safe to run again."""
    status = RollupDay.objects.filter(day=day).first()
    if status is not None and status.raw_pruned:
        raise RollupRefused(f"the raw events of {day} were pruned; its rollup is final")
    visits, visible_by_path = _visits(day)
    summary, traffic, dimensions, pages = _accumulate(visits, visible_by_path)
    conversions = _conversion_rows(day)
    with transaction.atomic():
        for model in (DailySummary, DailyTraffic, DailyDimension, DailyPage, DailyConversions):
            model.objects.filter(day=day).delete()
        DailySummary.objects.create(
            day=day,
            visits=summary.visits,
            visitors=len(summary.visitors),
            pageviews=summary.pageviews,
            bounces=summary.bounces,
            visible_ms=summary.visible_ms,
        )
        DailyTraffic.objects.bulk_create(
            DailyTraffic(
                day=day,
                grouping=k[0],
                source_class=k[1],
                source=k[2],
                medium=k[3],
                campaign=k[4],
                landing_page=k[5],
                visits=a.visits,
                visitors=len(a.visitors),
                pageviews=a.pageviews,
                bounces=a.bounces,
                visible_ms=a.visible_ms,
            )
            for k, a in traffic.items()
        )
        DailyDimension.objects.bulk_create(
            DailyDimension(
                day=day,
                dimension=k[0],
                value=k[1][:64],
                visits=a.visits,
                visitors=len(a.visitors),
                pageviews=a.pageviews,
                bounces=a.bounces,
                visible_ms=a.visible_ms,
            )
            for k, a in dimensions.items()
        )
        DailyPage.objects.bulk_create(
            DailyPage(
                day=day,
                path=path,
                pageviews=p.pageviews,
                visitors=len(p.visitors),
                entries=p.entries,
                bounces=p.bounces,
                visible_ms=p.visible_ms,
            )
            for path, p in pages.items()
        )
        DailyConversions.objects.bulk_create(conversions)
        status, _ = RollupDay.objects.update_or_create(
            day=day, defaults={"built_at": timezone.now()}
        )
    logger.debug("analytics.rollup.rebuilt", extra={"day": day.isoformat(), "visits": len(visits)})
    return status


def rebuild_recent(*, days: int = 2) -> list[datetime.date]:
    """Today and the days before it (late engagement reports, backdated deals)."""
    today = timezone.now().astimezone(datetime.UTC).date()
    done = []
    for offset in range(days):
        day = today - datetime.timedelta(days=offset)
        if RollupDay.objects.filter(day=day, raw_pruned=True).exists():
            continue
        rebuild_day(day=day)
        done.append(day)
    return done
