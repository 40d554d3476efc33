"""The collector script in a real browser: a page view on load, visible time on leave."""

import json
import time

import pytest
from django.db import OperationalError

from analytics.models import BotTally, Event

from .factories import CHROME_DESKTOP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _is_collect(request) -> bool:
    return request.url.endswith("/api/v1/collect") and request.method == "POST"


def _stop_collecting(page) -> None:
    """Closing the page sends one more beacon; keep it off the server during teardown."""
    page.route("**/api/v1/collect", lambda route: route.abort())


def _wait_for(page, predicate, *, attempts: int = 200) -> bool:
    """Poll the database while the browser delivers a beacon (no fixed sleep)."""
    for _ in range(attempts):
        try:
            if predicate():
                return True
        except OperationalError:  # the in-memory test database is shared-cache: table locks
            pass
        page.wait_for_timeout(100)
    return predicate()


def test_the_script_sends_a_page_view_and_the_visible_time(browser_page, live_server):
    page = browser_page
    # HeadlessChrome announces itself and is rightly dropped as a bot (see the next test);
    # here the browser presents itself as the desktop Chrome it is built from.
    page.set_extra_http_headers({"User-Agent": CHROME_DESKTOP})
    page.clock.install(time=time.time())
    with page.expect_request(_is_collect) as first:
        page.goto("/?utm_source=Newsletter&utm_medium=email&utm_campaign=march&secret=1")
    (sent,) = json.loads(first.value.post_data)
    assert sent["type"] == "pageview" and "utm_source=Newsletter" in sent["url"]
    assert "cid" not in sent  # no consent, no identifier

    page.clock.fast_forward(7000)  # seven seconds of reading
    with page.expect_request(lambda r: _is_collect(r) and "engagement" in (r.post_data or "")):
        page.evaluate("history.pushState({}, '', '/second-page/')")  # a client-side route
    page.clock.fast_forward(3000)
    # Leaving the page: the last visible time goes with sendBeacon. (Playwright's request
    # interception drops beacons of a document being unloaded, so the event is dispatched
    # to the live page; the handler is the one a real navigation runs.)
    with page.expect_request(lambda r: _is_collect(r) and "second-page" in (r.post_data or "")):
        page.evaluate("window.dispatchEvent(new PageTransitionEvent('pagehide'))")
    with page.expect_response(
        lambda r: _is_collect(r.request) and "/privacy/" in (r.request.post_data or "")
    ):
        page.goto("/privacy/")
    _stop_collecting(page)

    assert _wait_for(page, lambda: Event.objects.filter(type=Event.ENGAGEMENT).count() == 2)
    assert _wait_for(page, lambda: Event.objects.filter(type=Event.PAGEVIEW).count() >= 3)
    views = list(Event.objects.filter(type=Event.PAGEVIEW).order_by("ts", "id"))
    assert [v.path for v in views] == ["/", "/second-page/", "/privacy/"]
    landing = views[0]
    assert (landing.source_class, landing.source, landing.campaign) == (
        "email",
        "newsletter",
        "march",
    )
    assert "secret" not in landing.query
    durations = dict(Event.objects.filter(type=Event.ENGAGEMENT).values_list("path", "duration_ms"))
    assert durations["/"] >= 7000
    assert durations["/second-page/"] >= 3000
    assert len({e.visitor_key for e in Event.objects.all()}) == 1
    assert not any(c["name"] not in ("csrftoken",) for c in page.context.cookies())
    assert page.third_party_requests == []


@pytest.mark.headless_user_agent
def test_headless_chrome_is_counted_as_a_bot_not_a_visit(browser_page, live_server):
    page = browser_page
    with page.expect_response(lambda r: _is_collect(r.request)) as answer:
        page.goto("/")
    _stop_collecting(page)
    assert answer.value.status == 202
    assert Event.objects.count() == 0
    assert BotTally.objects.get().hits >= 1  # the page view (and any visible-time beacon)
