"""The ingest buffer: 202 at once, written by the flush, nothing lost or doubled."""

import datetime

import pytest

from analytics.buffer import IngestBuffer, insert_events
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


def test_buffered_events_reach_the_database_on_flush(settings):
    settings.ANALYTICS_FLUSH_SECONDS = 60  # the flusher thread will not run during the test
    buffer = IngestBuffer()
    buffer.add([row("/a"), row("/b")])
    buffer.add([], bots=(DAY, 3))
    buffer.add([], bots=(DAY, 2))

    assert Event.objects.count() == 0 and buffer.pending() == 2
    assert buffer.flush() == 2
    assert sorted(Event.objects.values_list("path", flat=True)) == ["/a", "/b"]
    assert BotTally.objects.get(day=DAY).hits == 5
    assert buffer.flush() == 0  # nothing twice


def test_the_collector_answers_before_the_write(settings, monkeypatch):
    settings.ANALYTICS_FLUSH_SECONDS = 60
    buffer = IngestBuffer()
    monkeypatch.setattr("analytics.services.collect.BUFFER", buffer)

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
    assert Event.objects.count() == 0
    buffer.flush()
    assert Event.objects.get().path == "/x"
    assert BotTally.objects.get().hits == 1


def test_large_batches_are_split_into_several_statements():
    insert_events([row(f"/{i}") for i in range(250)])
    assert Event.objects.count() == 250
