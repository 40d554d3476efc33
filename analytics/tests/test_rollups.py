"""Daily rollups against a hand-computed day; idempotent; pruning keeps the aggregates."""

import datetime

import pytest

from analytics.errors import RollupRefused
from analytics.models import (
    DailyConversions,
    DailyDimension,
    DailyPage,
    DailySummary,
    DailyTraffic,
    Event,
    LeadAttribution,
    RollupDay,
)
from analytics.services.retention import finalise_rollups_before
from analytics.services.rollups import rebuild_day
from capture.models import Lead

from .factories import event

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)
T0 = datetime.datetime(2026, 3, 10, 9, 0, tzinfo=datetime.UTC)
GOOGLE_CPC = ("paid", "google", "cpc", "brand")
ORGANIC = ("search", "google", "organic", "")
INTERNAL = ("internal", "(internal)", "internal", "")
PV, EN = Event.PAGEVIEW, Event.ENGAGEMENT


def minutes(n: float) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=n)


@pytest.fixture
def day_of_events():
    """Visitor A: two visits (paid at 9:00 with 3 pages; direct at 11:00, a bounce).
    Visitor B: one organic visit, a bounce, on a phone. Plus an event of another day."""
    event(ts=minutes(0), key="A", path="/", source=GOOGLE_CPC)
    event(ts=minutes(1), key="A", kind=EN, path="/", duration_ms=60_000)
    event(ts=minutes(1), key="A", path="/pricing/", source=INTERNAL)
    event(ts=minutes(3), key="A", kind=EN, path="/pricing/", duration_ms=120_000)
    event(ts=minutes(4), key="A", path="/", source=INTERNAL)
    event(ts=minutes(120), key="A", path="/pricing/")  # > 30 min later: a new, direct visit
    event(ts=minutes(121), key="A", kind=EN, path="/pricing/", duration_ms=10_000)
    event(
        ts=minutes(30),
        key="B",
        path="/blog/",
        source=ORGANIC,
        device="mobile",
        browser="Mobile Safari",
        os="iOS",
        country="KZ",
    )
    event(
        ts=minutes(31),
        key="B",
        kind=EN,
        path="/blog/",
        duration_ms=5_000,
        device="mobile",
        browser="Mobile Safari",
        os="iOS",
        country="KZ",
    )
    event(ts=minutes(-60 * 24), key="C", path="/")  # the day before


def test_a_day_rolls_up_to_hand_computed_figures(day_of_events):
    rebuild_day(day=DAY)

    summary = DailySummary.objects.get(day=DAY)
    assert (
        summary.visits,
        summary.visitors,
        summary.pageviews,
        summary.bounces,
        summary.visible_ms,
    ) == (3, 2, 5, 2, 195_000)
    traffic = {
        (t.grouping, t.source, t.medium, t.campaign, t.landing_page): (
            t.visits,
            t.visitors,
            t.pageviews,
            t.bounces,
            t.visible_ms,
        )
        for t in DailyTraffic.objects.filter(day=DAY)
    }
    assert traffic == {
        ("source", "google", "cpc", "brand", ""): (1, 1, 3, 0, 180_000),
        ("source", "(direct)", "(none)", "", ""): (1, 1, 1, 1, 10_000),
        ("source", "google", "organic", "", ""): (1, 1, 1, 1, 5_000),
        ("landing", "", "", "", "/"): (1, 1, 3, 0, 180_000),
        ("landing", "", "", "", "/pricing/"): (1, 1, 1, 1, 10_000),
        ("landing", "", "", "", "/blog/"): (1, 1, 1, 1, 5_000),
    }
    pages = {
        p.path: (p.pageviews, p.visitors, p.entries, p.bounces, p.visible_ms)
        for p in DailyPage.objects.filter(day=DAY)
    }
    assert pages == {
        "/": (2, 1, 1, 0, 60_000),
        "/pricing/": (2, 1, 1, 1, 130_000),
        "/blog/": (1, 1, 1, 1, 5_000),
    }
    devices = {
        d.value: (d.visits, d.visitors, d.bounces)
        for d in DailyDimension.objects.filter(day=DAY, dimension="device")
    }
    assert devices == {"desktop": (2, 1, 1), "mobile": (1, 1, 1)}
    countries = {
        d.value: d.visits for d in DailyDimension.objects.filter(day=DAY, dimension="country")
    }
    assert countries == {"RU": 2, "KZ": 1}


def test_rebuilding_a_day_twice_gives_the_same_rows(day_of_events):
    rebuild_day(day=DAY)
    first = sorted(DailyTraffic.objects.values_list("source", "visits", "visible_ms"))
    rebuild_day(day=DAY)
    assert sorted(DailyTraffic.objects.values_list("source", "visits", "visible_ms")) == first
    assert DailySummary.objects.filter(day=DAY).count() == 1


def _lead(*, created_at, won_at=None, source=("paid", "google", "cpc", "brand", "/")) -> Lead:
    lead = Lead.objects.create(
        created_at=created_at,
        channel="web_form",
        name="n",
        phone="+1",
        phone_index="x",
        won_at=won_at,
    )
    fields = dict(
        zip(("source_class", "source", "medium", "campaign", "landing_page"), source, strict=True)
    )
    LeadAttribution.objects.create(
        lead=lead,
        method="visitor_key",
        **{f"first_{k}": v for k, v in fields.items()},
        **{f"last_{k}": ("direct", "(direct)", "(none)", "", "/")[i] for i, k in enumerate(fields)},
    )
    return lead


def test_leads_and_won_deals_are_credited_to_their_campaign_by_model():
    _lead(created_at=minutes(10))
    _lead(created_at=minutes(20))
    _lead(created_at=minutes(-60 * 24 * 20), won_at=minutes(30))  # won today, created earlier

    rebuild_day(day=DAY)

    first = DailyConversions.objects.get(day=DAY, model="first", grouping="source")
    assert (first.source, first.medium, first.campaign, first.leads, first.won_deals) == (
        "google",
        "cpc",
        "brand",
        2,
        1,
    )
    last = DailyConversions.objects.get(day=DAY, model="last", grouping="source")
    assert (last.source, last.leads, last.won_deals) == ("(direct)", 2, 1)
    landing = DailyConversions.objects.get(day=DAY, model="first", grouping="landing")
    assert (landing.landing_page, landing.source, landing.leads) == ("/", "", 2)


def test_before_raw_events_go_their_days_are_rolled_up_and_frozen(day_of_events):
    rebuild_day(day=DAY)
    before = list(DailySummary.objects.values_list("visits", "visitors", "visible_ms"))
    later = datetime.datetime(2027, 6, 1, tzinfo=datetime.UTC)  # 15 months on

    assert finalise_rollups_before(before=later) == 2  # the day and the other day
    assert finalise_rollups_before(before=later) == 0  # already final
    Event.objects.all().delete()  # what the retention sweep does next (retention/plans.py)

    assert (
        list(DailySummary.objects.filter(day=DAY).values_list("visits", "visitors", "visible_ms"))
        == before
    )
    assert RollupDay.objects.get(day=DAY).raw_pruned
    with pytest.raises(RollupRefused, match="2026-03-10"):
        rebuild_day(day=DAY)


def test_days_with_only_recent_events_are_not_frozen(day_of_events):
    assert finalise_rollups_before(before=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)) == 0
    assert not RollupDay.objects.filter(raw_pruned=True).exists()


def test_booked_calls_count_once_for_their_leads_campaign():
    from booking.models import Booking

    lead = _lead(created_at=minutes(-60 * 24))
    common = {
        "start_time": minutes(600),
        "end_time": minutes(630),
        "email": "a@example.com",
        "name": "A",
        "email_index": "x",
        "last_event_at": minutes(5),
        "lead": lead,
    }
    Booking.objects.create(uid="b1", status="rescheduled", created_at=minutes(5), **common)
    Booking.objects.create(
        uid="b2", status="scheduled", rescheduled_from="b1", created_at=minutes(50), **common
    )
    Booking.objects.create(uid="b3", status="cancelled", created_at=minutes(60), **common)

    rebuild_day(day=DAY)

    row = DailyConversions.objects.get(day=DAY, model="first", grouping="source")
    assert (row.source, row.booked_calls, row.leads) == ("google", 1, 0)
