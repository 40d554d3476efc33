"""/reports/: campaign and site-quality reports for marketing (aggregates only).

Parse the query, ask the selectors, render; CSV export of every table on the page.
"""

import datetime
from collections.abc import Iterable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadkeeper.csvexport import csv_response

from . import charts
from .models import DailyConversions
from .selectors import (
    GROUPINGS,
    Period,
    Report,
    can_view_reports,
    marketing_report,
)

DEFAULT_DAYS = 28
MAX_DAYS = 3 * 366
BY_LABELS = {
    "source_medium": gettext_lazy("Source / medium"),
    "source": gettext_lazy("Source"),
    "medium": gettext_lazy("Medium"),
    "campaign": gettext_lazy("Campaign"),
    "landing_page": gettext_lazy("Landing page"),
    "source_class": gettext_lazy("Channel"),
}
MODEL_LABELS = {
    DailyConversions.LAST_TOUCH: gettext_lazy("Last touch"),
    DailyConversions.FIRST_TOUCH: gettext_lazy("First touch"),
}
DIMENSION_LABELS = {
    "device": gettext_lazy("Devices"),
    "browser": gettext_lazy("Browsers"),
    "os": gettext_lazy("Operating systems"),
    "country": gettext_lazy("Countries"),
}


def reports_access(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not can_view_reports(request.user):
            raise PermissionDenied("reports are for the marketing and DPO roles")
        return view(request, *args, **kwargs)

    return wrapped


def _date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _params(request: HttpRequest) -> tuple[Period, str, str, list[str]]:
    errors = []
    today = timezone.now().astimezone(datetime.UTC).date()
    end = _date(request.GET.get("to")) or today
    start = _date(request.GET.get("from")) or end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    if request.GET.get("from") and _date(request.GET.get("from")) is None:
        errors.append(_("The start date is not a date (YYYY-MM-DD); the default is shown."))
    if request.GET.get("to") and _date(request.GET.get("to")) is None:
        errors.append(_("The end date is not a date (YYYY-MM-DD); the default is shown."))
    if start > end:
        errors.append(_("The period starts after it ends; the dates were swapped."))
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        errors.append(
            _("At most %(days)s days at once; the period was shortened.") % {"days": MAX_DAYS}
        )
        start = end - datetime.timedelta(days=MAX_DAYS - 1)
    by = request.GET.get("by") if request.GET.get("by") in GROUPINGS else "source_medium"
    model = request.GET.get("model")
    model = model if model in DailyConversions.MODELS else DailyConversions.LAST_TOUCH
    return Period(start, end), by, model, errors


def _change(current: float | None, previous: float | None) -> float | None:
    if current is None or not previous:
        return None
    return (current - previous) / previous


def _charts(report: Report) -> dict[str, str]:
    days = [p.day for p in report.series]
    return {
        "visits": charts.line_chart(
            title=_("Visits per day"),
            days=days,
            series=[
                charts.Series(_("Visits"), [p.visits for p in report.series]),
                charts.Series(
                    _("Previous period"),
                    [p.visits for p in report.previous_series],
                    color=charts.MUTED,
                    dashed=True,
                ),
            ],
        ),
        "leads": charts.line_chart(
            title=_("Leads per day"),
            days=days,
            series=[
                charts.Series(
                    _("Leads"), [p.leads for p in report.series], color=charts.PALETTE[2]
                ),
                charts.Series(
                    _("Previous period"),
                    [p.leads for p in report.previous_series],
                    color=charts.MUTED,
                    dashed=True,
                ),
            ],
        ),
        "campaigns": charts.bar_chart(
            title=_("Visits by %(grouping)s") % {"grouping": BY_LABELS[report.by]},
            rows=[
                (r.label, r.visits, r.previous.visits if r.previous else None)
                for r in report.campaigns
            ],
        ),
        "leads_by": charts.bar_chart(
            title=_("Leads by %(grouping)s") % {"grouping": BY_LABELS[report.by]},
            rows=sorted(
                [
                    (r.label, r.leads, r.previous.leads if r.previous else None)
                    for r in report.campaigns
                    if r.leads or (r.previous and r.previous.leads)
                ],
                key=lambda row: -row[1],
            ),
        ),
        **{
            name: charts.bar_chart(
                title=str(DIMENSION_LABELS[name]),
                rows=[(r.value, r.share * 100, None) for r in rows],
                value_format="{:.1f}%",
                limit=6,
            )
            for name, rows in report.dimensions.items()
        },
    }


@reports_access
def reports(request: HttpRequest) -> HttpResponse:
    period, by, model, errors = _params(request)
    report = marketing_report(period, by=by, model=model)
    t, p = report.totals, report.previous_totals
    kpis = [
        (_("Visits"), t.visits, p.visits, "int"),
        (_("Visitors"), t.visitors, p.visitors, "int"),
        (_("Leads"), t.leads, p.leads, "int"),
        (_("Conversion rate"), t.conversion_rate, p.conversion_rate, "pct"),
        (_("Booked calls"), t.booked_calls, p.booked_calls, "int"),
        (_("Won deals"), t.won_deals, p.won_deals, "int"),
        (_("Avg. visible time"), t.avg_visible_seconds, p.avg_visible_seconds, "sec"),
        (_("Bounce rate"), t.bounce_rate, p.bounce_rate, "pct"),
    ]
    context = {
        "report": report,
        "errors": errors,
        "kpis": [
            {
                "label": label,
                "value": value,
                "previous": prev,
                "kind": kind,
                "change": _change(value, prev),
                # For the bounce rate, down is good.
                "good": (_change(value, prev) or 0) * (-1 if down_is_good else 1) >= 0,
            }
            for (label, value, prev, kind), down_is_good in zip(
                kpis, [False] * 7 + [True], strict=True
            )
        ],
        "charts": _charts(report),
        "by_labels": BY_LABELS,
        "model_labels": MODEL_LABELS,
        "dimension_labels": DIMENSION_LABELS,
        "query": request.GET.urlencode(),
    }
    return render(request, "analytics/reports.html", context)


def _csv_number(value: float | None) -> object:
    """Counts stay integers; rates and seconds are rounded to what a reader can use."""
    if isinstance(value, float):
        return f"{value:.4f}" if value < 1 else f"{value:.1f}"
    return "" if value is None else value


def _rate(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _csv_rows(report: Report, table: str) -> tuple[list[str], Iterable[list]]:
    if table == "summary":
        t, p = report.totals, report.previous_totals
        header = [
            "metric",
            f"{report.period.start}..{report.period.end}",
            f"{report.previous_period.start}..{report.previous_period.end}",
        ]
        metrics = [
            "visits",
            "visitors",
            "pageviews",
            "leads",
            "conversion_rate",
            "booked_calls",
            "won_deals",
            "bounce_rate",
            "avg_visible_seconds",
            "bot_hits",
        ]
        return header, [
            [m, _csv_number(getattr(t, m)), _csv_number(getattr(p, m))] for m in metrics
        ]
    if table == "daily":
        return [
            "day",
            "visits",
            "visitors",
            "leads",
            "previous_day",
            "previous_visits",
            "previous_leads",
        ], [
            [c.day, c.visits, c.visitors, c.leads, pr.day, pr.visits, pr.leads]
            for c, pr in zip(report.series, report.previous_series, strict=True)
        ]
    if table == "campaigns":
        fields = list(GROUPINGS[report.by])
        return [
            *fields,
            "visits",
            "visitors",
            "leads",
            "conversion_rate",
            "booked_calls",
            "won_deals",
            "bounce_rate",
            "previous_visits",
            "previous_leads",
            "previous_won_deals",
        ], [
            [
                *r.key,
                r.visits,
                r.visitors,
                r.leads,
                _rate(r.conversion_rate),
                r.booked_calls,
                r.won_deals,
                _rate(r.bounce_rate),
                r.previous.visits,
                r.previous.leads,
                r.previous.won_deals,
            ]
            for r in report.campaigns
        ]
    if table == "pages":
        return [
            "path",
            "pageviews",
            "visitors",
            "entries",
            "bounce_rate",
            "avg_visible_seconds",
            "previous_pageviews",
        ], [
            [
                r.path,
                r.pageviews,
                r.visitors,
                r.entries,
                _rate(r.bounce_rate),
                _rate(r.avg_visible_seconds),
                r.previous_pageviews,
            ]
            for r in report.pages
        ]
    if table in report.dimensions:
        return [
            table,
            "visits",
            "visitors",
            "share",
            "bounce_rate",
            "avg_visible_seconds",
            "previous_visits",
        ], [
            [
                r.value,
                r.visits,
                r.visitors,
                _rate(r.share),
                _rate(r.bounce_rate),
                _rate(r.avg_visible_seconds),
                r.previous_visits,
            ]
            for r in report.dimensions[table]
        ]
    raise Http404(f"no table {table!r}")


CSV_TABLES = ("summary", "daily", "campaigns", "pages", "device", "browser", "os", "country")


@reports_access
def export_csv(request: HttpRequest, table: str) -> HttpResponse:
    if table not in CSV_TABLES:
        raise Http404(f"no table {table!r}")
    period, by, model, _errors = _params(request)
    report = marketing_report(period, by=by, model=model)
    header, rows = _csv_rows(report, table)
    # UTM tags, pages and User-Agents are visitor input: csv_response makes a formula inert.
    return csv_response(
        filename=f"{table}_{period.start}_{period.end}.csv", header=header, rows=rows
    )
