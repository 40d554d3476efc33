"""Storing collected events: at once, in multi-row INSERTs, nothing lost or doubled."""

import datetime

import pytest

from analytics.ingest import insert_events, store_events
from analytics.models import BotTally, Event
from analytics.services.collect import Consent, collect_events

from .factories import GOOGLEBOT, context

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


def row(path: str = "/") -> dict:
    ts = datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)
    fields = {f.attname: f.get_default() for f in Event._meta.concrete_fields if not f.primary_key}
    fields.update(
        ts=ts,
        retention_from=ts,
        type=Event.PAGEVIEW,
        visitor_key="k",
        path=path,
        source_class="direct",
    )
    return fields


def test_events_and_bot_counts_are_stored_at_once():
    store_events([row("/a"), row("/b")])
    store_events([], bots=(DAY, 3))
    store_events([], bots=(DAY, 2))
    assert sorted(Event.objects.values_list("path", flat=True)) == ["/a", "/b"]
    assert BotTally.objects.get(day=DAY).hits == 5


def test_the_collector_has_stored_what_it_accepted_when_it_answers():
    result = collect_events(
        events=[{"type": "pageview", "url": "https://kommoexpert.ru/x"}],
        context=context(),
        host="kommoexpert.ru",
        consent=Consent(),
    )
    bots = collect_events(
        events=[{"type": "pageview", "url": "https://kommoexpert.ru/x"}],
        context=context(user_agent=GOOGLEBOT),
        host="kommoexpert.ru",
        consent=Consent(),
    )
    assert (result.accepted, bots.bots) == (1, 1)
    assert Event.objects.get().path == "/x"
    assert BotTally.objects.get().hits == 1


def test_large_batches_are_split_into_several_statements():
    insert_events([row(f"/{i}") for i in range(250)])
    assert Event.objects.count() == 250
