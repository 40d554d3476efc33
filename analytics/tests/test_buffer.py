"""The collector's buffer in one process: what a flush writes, keeps, refuses and forgets.

The flusher thread and the stops are tested against real servers in test_buffer_stops.py.
"""

import datetime
from collections import Counter

import pytest

from analytics import buffer as buffer_module
from analytics.buffer import CollectorBuffer
from analytics.errors import CollectorBusy
from analytics.ingest import write_events
from analytics.models import BotTally, Event
from analytics.services.collect import Consent, collect_events
from analytics.visitor import consented_id_hash

from .factories import context
from .test_ingest import row

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 10)
CID = "a-first-party-id-0123456789"
HOST = "kommoexpert.ru"


@pytest.fixture
def buffer(settings, monkeypatch) -> CollectorBuffer:
    settings.COLLECTOR_BUFFER_SECONDS = 1.0
    own = CollectorBuffer(background=False)
    monkeypatch.setattr(buffer_module, "BUFFER", own)
    return own


def pageview(path: str, *, cid: str = "") -> dict:
    return {"type": "pageview", "url": f"https://{HOST}{path}", **({"cid": cid} if cid else {})}


def test_accepted_events_wait_for_the_flush_and_are_written_once(buffer):
    buffer.add([row("/a"), row("/b")])
    buffer.add([], bots=(DAY, 3))
    buffer.add([row("/c")], bots=(DAY, 2))

    assert Event.objects.count() == 0 and buffer.pending() == 3
    assert buffer.flush() == 3
    assert sorted(Event.objects.values_list("path", flat=True)) == ["/a", "/b", "/c"]
    assert BotTally.objects.get(day=DAY).hits == 5
    assert buffer.flush() == 0 and Event.objects.count() == 3


def test_the_collector_answers_before_the_write_and_the_stop_writes(buffer):
    result = collect_events(
        events=[pageview("/x"), pageview("/y")], context=context(), host=HOST, consent=Consent()
    )

    assert result.accepted == 2 and Event.objects.count() == 0
    buffer.stop()
    assert sorted(Event.objects.values_list("path", flat=True)) == ["/x", "/y"]


def test_a_full_buffer_refuses_new_events_instead_of_dropping_them(buffer):
    buffer.add([row()] * buffer_module.MAX_PENDING)

    with pytest.raises(CollectorBusy) as refused:
        buffer.add([row("/one-more")])
    assert refused.value.http_status == 503
    assert buffer.pending() == buffer_module.MAX_PENDING  # nothing was pushed out


def test_a_withdrawn_id_is_blanked_in_the_buffer_and_erased_again_a_window_later(buffer):
    with_consent = Consent(analytics=True)
    collect_events(
        events=[pageview("/a", cid=CID)], context=context(), host=HOST, consent=with_consent
    )
    # Another web process buffered the same id just before the withdrawal; it writes it late.
    late = row("/from-another-process", consented_id=consented_id_hash(CID))

    # The first page after the withdrawal still sends the id, without consent.
    collect_events(
        events=[pageview("/b", cid=CID)], context=context(), host=HOST, consent=Consent()
    )
    buffer.flush()
    assert list(Event.objects.order_by("path").values_list("path", "consented_id")) == [
        ("/a", ""),
        ("/b", ""),
    ]
    write_events([late], Counter())
    buffer.flush()  # the window has not passed: the second erasure is still due
    assert Event.objects.exclude(consented_id="").count() == 1

    buffer.stop()  # a stop (or the window passing) runs it
    assert Event.objects.exclude(consented_id="").count() == 0
