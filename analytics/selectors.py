"""Reads for the marketing reports: rollups only (never a person, never raw events).

Every figure is an aggregate of daily rollups, so 14 months cost a few thousand rows
whatever the raw volume. Visitors are daily-unique (visitor keys rotate daily by design),
so a period's visitors are the sum of its days' visitors.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Sum

from .models import (
    LANDING_GROUPING,
    SOURCE_GROUPING,
    BotTally,
    DailyConversions,
    DailyDimension,
    DailyPage,
    DailySummary,
    DailyTraffic,
    Event,
    LeadAttribution,
)

GROUPINGS = {
    "source": ("source",),
    "medium": ("medium",),
    "source_medium": ("source", "medium"),
    "campaign": ("campaign",),
    "landing_page": ("landing_page",),
    "source_class": ("source_class",),
}
NOT_SET = "(not set)"


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        end = self.start - datetime.timedelta(days=1)
        return Period(end - datetime.timedelta(days=self.days - 1), end)

    def dates(self) -> list[datetime.date]:
        return [self.start + datetime.timedelta(days=i) for i in range(self.days)]


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


class _VisitRates:
    """Rates every row with visits shows (fields: visits, bounces, visible_ms, leads)."""

    @property
    def conversion_rate(self) -> float | None:
        return _ratio(self.leads, self.visits)

    @property
    def bounce_rate(self) -> float | None:
        return _ratio(self.bounces, self.visits)

    @property
    def avg_visible_seconds(self) -> float | None:
        ratio = _ratio(self.visible_ms, self.visits)
        return ratio / 1000 if ratio is not None else None


@dataclass
class Totals(_VisitRates):
    visits: int = 0
    visitors: int = 0
    pageviews: int = 0
    bounces: int = 0
    visible_ms: int = 0
    leads: int = 0
    booked_calls: int = 0
    won_deals: int = 0
    bot_hits: int = 0

    @property
    def pages_per_visit(self) -> float | None:
        return _ratio(self.pageviews, self.visits)


def totals(period: Period, *, model: str = DailyConversions.LAST_TOUCH) -> Totals:
    days = {"day__gte": period.start, "day__lte": period.end}
    traffic = DailySummary.objects.filter(**days).aggregate(
        visits=Sum("visits"),
        visitors=Sum("visitors"),
        pageviews=Sum("pageviews"),
        bounces=Sum("bounces"),
        visible_ms=Sum("visible_ms"),
    )
    conversions = DailyConversions.objects.filter(
        model=model, grouping=SOURCE_GROUPING, **days
    ).aggregate(leads=Sum("leads"), booked_calls=Sum("booked_calls"), won_deals=Sum("won_deals"))
    bots = BotTally.objects.filter(**days).aggregate(bot_hits=Sum("hits"))
    return Totals(**{k: v or 0 for k, v in (traffic | conversions | bots).items()})


@dataclass
class DailyPoint:
    day: datetime.date
    visits: int = 0
    visitors: int = 0
    leads: int = 0


def daily_series(period: Period, *, model: str = DailyConversions.LAST_TOUCH) -> list[DailyPoint]:
    points = {day: DailyPoint(day) for day in period.dates()}
    days = {"day__gte": period.start, "day__lte": period.end}
    for day, visits, visitors in DailySummary.objects.filter(**days).values_list(
        "day", "visits", "visitors"
    ):
        points[day].visits, points[day].visitors = visits, visitors
    for day, leads in (
        DailyConversions.objects.filter(model=model, grouping=SOURCE_GROUPING, **days)
        .values("day")
        .annotate(total=Sum("leads"))
        .values_list("day", "total")
    ):
        points[day].leads = leads or 0
    return list(points.values())


@dataclass
class CampaignRow(_VisitRates):
    key: tuple[str, ...]
    visits: int = 0
    visitors: int = 0
    bounces: int = 0
    visible_ms: int = 0
    leads: int = 0
    booked_calls: int = 0
    won_deals: int = 0
    previous: "CampaignRow | None" = None

    @property
    def label(self) -> str:
        return " / ".join(part or NOT_SET for part in self.key)


def _campaign_rows(period: Period, fields: tuple[str, ...], model: str) -> dict[tuple, CampaignRow]:
    days = {"day__gte": period.start, "day__lte": period.end}
    grouping = LANDING_GROUPING if fields == ("landing_page",) else SOURCE_GROUPING
    rows: dict[tuple, CampaignRow] = {}
    traffic = (
        DailyTraffic.objects.filter(grouping=grouping, **days)
        .values(*fields)
        .annotate(
            visits=Sum("visits"),
            visitors=Sum("visitors"),
            bounces=Sum("bounces"),
            visible_ms=Sum("visible_ms"),
        )
        .order_by()
    )
    for item in traffic:
        key = tuple(item[f] for f in fields)
        rows[key] = CampaignRow(
            key, item["visits"], item["visitors"], item["bounces"], item["visible_ms"]
        )
    conversions = (
        DailyConversions.objects.filter(model=model, grouping=grouping, **days)
        .values(*fields)
        .annotate(leads=Sum("leads"), booked=Sum("booked_calls"), won=Sum("won_deals"))
        .order_by()
    )
    for item in conversions:
        key = tuple(item[f] for f in fields)
        row = rows.setdefault(key, CampaignRow(key))
        row.leads, row.booked_calls, row.won_deals = item["leads"], item["booked"], item["won"]
    return rows


def campaign_report(
    period: Period, *, by: str = "source_medium", model: str = DailyConversions.LAST_TOUCH
) -> list[CampaignRow]:
    """Visits, visitors, leads, booked calls and won deals by `by`, with the previous period."""
    fields = GROUPINGS[by]
    current = _campaign_rows(period, fields, model)
    previous = _campaign_rows(period.previous(), fields, model)
    for key, row in current.items():
        row.previous = previous.get(key, CampaignRow(key))
    return sorted(current.values(), key=lambda r: (-r.visits, -r.leads, r.key))


@dataclass
class PageRow(_VisitRates):
    path: str
    pageviews: int
    visitors: int
    entries: int
    bounces: int
    visible_ms: int
    previous_pageviews: int = 0

    @property
    def bounce_rate(self) -> float | None:
        return _ratio(self.bounces, self.entries)

    @property
    def avg_visible_seconds(self) -> float | None:
        ratio = _ratio(self.visible_ms, self.pageviews)
        return ratio / 1000 if ratio is not None else None


def _page_totals(period: Period):
    return (
        DailyPage.objects.filter(day__gte=period.start, day__lte=period.end)
        .values("path")
        .annotate(
            pageviews=Sum("pageviews"),
            visitors=Sum("visitors"),
            entries=Sum("entries"),
            bounces=Sum("bounces"),
            visible_ms=Sum("visible_ms"),
        )
        .order_by("-pageviews", "path")
    )


def top_pages(period: Period, *, limit: int | None = 20) -> list[PageRow]:
    pages = _page_totals(period)
    if limit:
        pages = pages[:limit]
    rows = [PageRow(**item) for item in pages]
    previous = dict(
        _page_totals(period.previous())
        .filter(path__in=[r.path for r in rows])
        .values_list("path", "pageviews")
    )
    for row in rows:
        row.previous_pageviews = previous.get(row.path, 0)
    return rows


@dataclass
class DimensionRow(_VisitRates):
    value: str
    visits: int
    visitors: int
    bounces: int
    visible_ms: int
    share: float = 0.0
    previous_visits: int = 0


def _dimension_totals(period: Period, dimension: str):
    return (
        DailyDimension.objects.filter(
            dimension=dimension, day__gte=period.start, day__lte=period.end
        )
        .values("value")
        .annotate(
            visits=Sum("visits"),
            visitors=Sum("visitors"),
            bounces=Sum("bounces"),
            visible_ms=Sum("visible_ms"),
        )
        .order_by("-visits", "value")
    )


def dimension_report(period: Period, *, dimension: str) -> list[DimensionRow]:
    if dimension not in DailyDimension.DIMENSIONS:
        raise ValueError(f"unknown dimension {dimension!r}")
    rows = [DimensionRow(**item) for item in _dimension_totals(period, dimension)]
    total = sum(r.visits for r in rows)
    previous = dict(_dimension_totals(period.previous(), dimension).values_list("value", "visits"))
    for row in rows:
        row.share = row.visits / total if total else 0.0
        row.previous_visits = previous.get(row.value, 0)
    return rows


@dataclass
class Report:
    period: Period
    previous_period: Period
    model: str
    by: str
    totals: Totals
    previous_totals: Totals
    series: list[DailyPoint]
    previous_series: list[DailyPoint]
    campaigns: list[CampaignRow]
    pages: list[PageRow]
    dimensions: dict[str, list[DimensionRow]] = field(default_factory=dict)


def marketing_report(period: Period, *, by: str, model: str) -> Report:
    previous = period.previous()
    return Report(
        period=period,
        previous_period=previous,
        model=model,
        by=by,
        totals=totals(period, model=model),
        previous_totals=totals(previous, model=model),
        series=daily_series(period, model=model),
        previous_series=daily_series(previous, model=model),
        campaigns=campaign_report(period, by=by, model=model),
        pages=top_pages(period),
        dimensions={d: dimension_report(period, dimension=d) for d in DailyDimension.DIMENSIONS},
    )


REPORT_ROLES = ("marketing", "dpo")


def can_view_reports(user: object) -> bool:
    """Marketing and the DPO (and superusers): through the permission their role grants, or
    membership of the role itself, should the permission not be synced yet."""
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return False
    if user.is_superuser or user.has_perm("analytics.view_reports"):
        return True
    return user.groups.filter(name__in=REPORT_ROLES).exists()


# The rights desk's reads (policy §7), keyed by verified subjects only (Art. 12(6)).
ATTRIBUTION_FIELDS = (
    "lead_id",
    "method",
    "first_source",
    "first_medium",
    "first_campaign",
    "last_source",
    "last_medium",
    "last_campaign",
)


def attribution_rows_of_subjects(*, subject_ids: list[int]) -> list[dict]:
    """How these subjects' leads were attributed to campaigns, as plain values."""
    attributions = LeadAttribution.objects.filter(subject_id__in=subject_ids).order_by("lead_id")
    return list(attributions.values(*ATTRIBUTION_FIELDS))


def event_count_of_subjects(*, subject_ids: list[int]) -> int:
    """Page views linked to these subjects through a consented id (counted, not listed)."""
    return Event.objects.filter(subject_id__in=subject_ids).count()
