"""Writing collected events: multi-row INSERTs, nothing lost or doubled."""

import datetime
from collections import Counter

import pytest

from analytics.ingest import erase_consented_ids, insert_events, write_events
from analytics.models import BotTally, Event
from analytics.services.collect import Consent, collect_events

from .factories import GOOGLEBOT, context

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)


def row(path: str = "/", consented_id: str = "") -> dict:
    """One event row as the collector hands it to write_events."""
    ts = datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)
    fields = {f.attname: f.get_default() for f in Event._meta.concrete_fields if not f.primary_key}
    fields.update(
        ts=ts,
        retention_from=ts,
        type=Event.PAGEVIEW,
        visitor_key="k",
        path=path,
        source_class="direct",
        consented_id=consented_id,
    )
    return fields


def test_events_and_bot_counts_are_written_in_one_go():
    write_events([row("/a"), row("/b")], Counter({DAY: 3}))
    write_events([], Counter({DAY: 2}))
    assert sorted(Event.objects.values_list("path", flat=True)) == ["/a", "/b"]
    assert BotTally.objects.get(day=DAY).hits == 5


def test_without_the_buffer_the_collector_has_stored_what_it_accepted_when_it_answers():
    # COLLECTOR_BUFFER_SECONDS is 0 in the test settings (the buffer: test_buffer.py).
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


def test_erasing_a_consented_id_blanks_it_in_every_event_and_nothing_else():
    write_events(
        [{**row("/a"), "consented_id": "h1"}, {**row("/b"), "consented_id": "h2"}], Counter()
    )
    assert erase_consented_ids(["h1", "h3"]) == 1
    assert sorted(Event.objects.values_list("path", "consented_id")) == [("/a", ""), ("/b", "h2")]
