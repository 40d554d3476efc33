import pytest
from django.core.management import CommandError, call_command

from analytics.models import DailySummary, Event, LeadAttribution
from analytics.selectors import Period, totals
from capture.models import Lead

pytestmark = pytest.mark.django_db


def test_generate_demo_data_fills_events_leads_and_rollups(settings):
    settings.DEBUG = True
    call_command("generate_demo_data", visits=300, leads=12, days=5, seed=1, stdout=None)

    assert Event.objects.filter(type=Event.PAGEVIEW).count() >= 300
    assert Lead.objects.count() == 12 == LeadAttribution.objects.count()
    days = list(DailySummary.objects.order_by("day").values_list("day", flat=True))
    assert len(days) == 5
    figures = totals(Period(days[0], days[-1]))
    # A browser returning within 30 minutes continues its visit: a few merge.
    assert 250 <= figures.visits <= 300
    assert figures.leads == 12
    assert 0 < figures.visitors <= 300


def test_generate_demo_data_refuses_a_production_database(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("generate_demo_data", visits=10, leads=1)
