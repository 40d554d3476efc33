"""/reports/: who may see it, and its numbers against hand-computed rollups."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group, User

from analytics.models import (
    BotTally,
    DailyConversions,
    DailyDimension,
    DailyPage,
    DailySummary,
    DailyTraffic,
)
from analytics.selectors import Period, campaign_report, dimension_report, top_pages, totals

pytestmark = pytest.mark.django_db

D = datetime.date
PERIOD = Period(D(2026, 3, 8), D(2026, 3, 14))  # previous: 1–7 March


def traffic(day, source, medium, campaign, visits, visitors, bounces, landing=""):
    DailyTraffic.objects.create(
        day=day,
        source_class="paid",
        source=source,
        medium=medium,
        campaign=campaign,
        landing_page=landing,
        visits=visits,
        visitors=visitors,
        pageviews=visits * 2,
        bounces=bounces,
        visible_ms=visits * 30_000,
    )


def conversions(day, source, medium, campaign, leads, booked=0, won=0, model="last", landing=""):
    DailyConversions.objects.create(
        day=day,
        model=model,
        source_class="paid",
        source=source,
        medium=medium,
        campaign=campaign,
        landing_page=landing,
        leads=leads,
        booked_calls=booked,
        won_deals=won,
    )


@pytest.fixture
def rollups():
    for day, visits, visitors, bounces, visible in [
        (D(2026, 3, 9), 100, 80, 40, 6_000_000),
        (D(2026, 3, 12), 50, 45, 30, 1_500_000),
        (D(2026, 3, 3), 60, 50, 30, 1_800_000),  # previous period
        (D(2026, 3, 20), 999, 999, 0, 0),  # outside both
    ]:
        DailySummary.objects.create(
            day=day,
            visits=visits,
            visitors=visitors,
            pageviews=visits * 2,
            bounces=bounces,
            visible_ms=visible,
        )
    traffic(D(2026, 3, 9), "google", "cpc", "brand", 70, 60, 20)
    traffic(D(2026, 3, 12), "google", "cpc", "brand", 30, 28, 15)
    traffic(D(2026, 3, 9), "(direct)", "(none)", "", 30, 20, 20)
    traffic(D(2026, 3, 12), "yandex", "organic", "", 20, 17, 15)
    traffic(D(2026, 3, 3), "google", "cpc", "brand", 60, 50, 30)
    conversions(D(2026, 3, 9), "google", "cpc", "brand", 4, booked=2, won=1)
    conversions(D(2026, 3, 13), "google", "cpc", "brand", 1)
    conversions(D(2026, 3, 10), "(direct)", "(none)", "", 1, won=1)
    conversions(D(2026, 3, 3), "google", "cpc", "brand", 2)
    conversions(D(2026, 3, 9), "google", "organic", "", 9, model="first")
    BotTally.objects.create(day=D(2026, 3, 9), hits=17)
    DailyPage.objects.create(
        day=D(2026, 3, 9),
        path="/",
        pageviews=120,
        visitors=90,
        entries=100,
        bounces=40,
        visible_ms=3_600_000,
    )
    DailyPage.objects.create(
        day=D(2026, 3, 12),
        path="/",
        pageviews=30,
        visitors=20,
        entries=20,
        bounces=10,
        visible_ms=900_000,
    )
    DailyPage.objects.create(
        day=D(2026, 3, 12),
        path="/pricing/",
        pageviews=40,
        visitors=30,
        entries=30,
        bounces=20,
        visible_ms=2_400_000,
    )
    DailyPage.objects.create(
        day=D(2026, 3, 2), path="/", pageviews=77, visitors=70, entries=60, bounces=30, visible_ms=0
    )
    for value, visits in (("desktop", 90), ("mobile", 60)):
        DailyDimension.objects.create(
            day=D(2026, 3, 9),
            dimension="device",
            value=value,
            visits=visits,
            visitors=visits,
            pageviews=visits,
            bounces=visits // 3,
            visible_ms=visits * 1000,
        )


def test_totals_against_hand_computed_figures(rollups):
    t = totals(PERIOD)
    assert (t.visits, t.visitors, t.pageviews, t.bounces) == (150, 125, 300, 70)
    assert (t.leads, t.booked_calls, t.won_deals, t.bot_hits) == (6, 2, 2, 17)
    assert t.conversion_rate == pytest.approx(6 / 150)
    assert t.bounce_rate == pytest.approx(70 / 150)
    assert t.avg_visible_seconds == pytest.approx(7_500 / 150)
    previous = totals(PERIOD.previous())
    assert (previous.visits, previous.leads) == (60, 2)
    assert totals(PERIOD, model="first").leads == 9


def test_campaign_report_by_source_medium_with_previous_period(rollups):
    rows = {r.label: r for r in campaign_report(PERIOD, by="source_medium")}
    google = rows["google / cpc"]
    assert (
        google.visits,
        google.visitors,
        google.bounces,
        google.leads,
        google.booked_calls,
        google.won_deals,
    ) == (100, 88, 35, 5, 2, 1)
    assert google.conversion_rate == pytest.approx(0.05)
    assert (google.previous.visits, google.previous.leads) == (60, 2)
    assert (rows["(direct) / (none)"].visits, rows["(direct) / (none)"].leads) == (30, 1)
    assert rows["yandex / organic"].leads == 0
    assert [r.label for r in campaign_report(PERIOD, by="campaign")] == ["brand", "(not set)"]


def test_landing_pages_read_their_own_grouping(rollups):
    DailyTraffic.objects.create(
        day=D(2026, 3, 9),
        grouping="landing",
        source_class="",
        source="",
        medium="",
        campaign="",
        landing_page="/pricing/",
        visits=40,
        visitors=30,
        bounces=10,
    )
    DailyConversions.objects.create(
        day=D(2026, 3, 9),
        model="last",
        grouping="landing",
        source_class="",
        source="",
        medium="",
        campaign="",
        landing_page="/pricing/",
        leads=3,
    )
    rows = campaign_report(PERIOD, by="landing_page")
    assert [(r.label, r.visits, r.leads) for r in rows] == [("/pricing/", 40, 3)]
    assert totals(PERIOD).leads == 6  # landing rows never count twice


def test_top_pages_and_devices(rollups):
    pages = top_pages(PERIOD)
    assert [(p.path, p.pageviews, p.entries, p.previous_pageviews) for p in pages] == [
        ("/", 150, 120, 77),
        ("/pricing/", 40, 30, 0),
    ]
    assert pages[0].bounce_rate == pytest.approx(50 / 120)
    assert pages[0].avg_visible_seconds == pytest.approx(4_500 / 150)
    devices = dimension_report(PERIOD, dimension="device")
    assert [(d.value, d.visits, round(d.share, 2)) for d in devices] == [
        ("desktop", 90, 0.6),
        ("mobile", 60, 0.4),
    ]


@pytest.fixture
def marketer(client):
    user = User.objects.create_user("marketer", password="pw-123456789")
    user.groups.add(Group.objects.get(name="marketing"))
    client.force_login(user)
    return user


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_sales_may_not_see_reports(client):
    user = User.objects.create_user("seller", password="pw-123456789")
    user.groups.add(Group.objects.get(name="sales"))
    client.force_login(user)
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/campaigns.csv").status_code == 403


def test_the_marketing_role_holds_the_report_permission(marketer):
    assert marketer.has_perm("analytics.view_reports")


def test_the_report_page_shows_figures_charts_and_comparison(client, marketer, rollups):
    response = client.get("/reports/?from=2026-03-08&to=2026-03-14&by=source_medium")

    assert response.status_code == 200
    html = response.content.decode()
    assert "google / cpc" in html and "/pricing/" in html
    assert "March 1, 2026 – March 7, 2026" in html  # the previous period it compares with
    assert html.count("<svg") >= 8
    assert "4.0%" in html  # conversion rate 6 / 150
    assert "▲ 150%" in html  # visits 150 vs 60


def test_bad_dates_fall_back_with_a_message(client, marketer):
    response = client.get("/reports/?from=yesterday&to=2026-03-01&by=nonsense")
    assert response.status_code == 200
    assert "is not a date" in response.content.decode()


def test_every_table_exports_as_csv(client, marketer, rollups):
    query = "?from=2026-03-08&to=2026-03-14&by=source_medium"
    response = client.get("/reports/campaigns.csv" + query)
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["source", "medium", "visits", "visitors", "leads"]
    assert rows[1][:5] == ["google", "cpc", "100", "88", "5"]
    for table, lines in (
        ("summary", 11),
        ("daily", 8),
        ("pages", 3),
        ("device", 3),
        ("browser", 1),
        ("os", 1),
        ("country", 1),
    ):
        response = client.get(f"/reports/{table}.csv" + query)
        assert response.status_code == 200, table
        assert len(list(csv.reader(io.StringIO(response.content.decode())))) == lines, table
    assert client.get("/reports/people.csv").status_code == 404


def test_csv_cells_cannot_smuggle_spreadsheet_formulas(client, marketer):
    traffic(D(2026, 3, 9), '=HYPERLINK("x")', "cpc", "", 1, 1, 0)
    response = client.get("/reports/campaigns.csv?from=2026-03-08&to=2026-03-14&by=source")
    assert "'=HYPERLINK" in response.content.decode()


@pytest.mark.parametrize("value", ['=cmd|" /C calc"!A0', "+1+1", "-2+3", "@SUM(A1)", "\tx"])
def test_every_formula_start_in_a_campaign_csv_is_escaped(client, marketer, value):
    traffic(D(2026, 3, 9), value, "cpc", value, 1, 1, 0)
    response = client.get("/reports/campaigns.csv?from=2026-03-08&to=2026-03-14&by=campaign")
    cells = [c for row in csv.reader(io.StringIO(response.content.decode())) for c in row]
    assert "'" + value in cells
    assert value not in cells


def test_the_report_formats_numbers_and_dates_for_the_readers_language(client, marketer, rollups):
    html = client.get(
        "/reports/?from=2026-03-08&to=2026-03-14", HTTP_ACCEPT_LANGUAGE="ru"
    ).content.decode()
    assert '<html lang="ru">' in html and "Маркетинговые отчёты" in html
    assert "4,0%" in html  # conversion rate 6 / 150, the Russian decimal comma
    assert "1 марта 2026 г. – 7 марта 2026 г." in html


def test_summary_csv_rounds_rates_and_seconds(client, marketer, rollups):
    body = client.get("/reports/summary.csv?from=2026-03-08&to=2026-03-14").content.decode()
    rows = dict((r.split(",")[0], r.split(",")[1:]) for r in body.strip().splitlines()[1:])
    assert rows["conversion_rate"][0] == "0.0400"
    assert all(len(v.partition(".")[2]) <= 4 for values in rows.values() for v in values)
