"""The collector contract: POST /api/v1/collect."""

import json

import pytest

from analytics.models import BotTally, Event
from analytics.services.collect import MAX_BODY_BYTES

from .factories import CHROME_DESKTOP, GOOGLEBOT

pytestmark = pytest.mark.django_db

URL = "/api/v1/collect"
IP = "95.31.18.119"


def post(client, body, *, content_type="application/json", ua=CHROME_DESKTOP, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(
        URL, data, content_type=content_type, HTTP_USER_AGENT=ua, REMOTE_ADDR=IP, **extra
    )


def pageview(**overrides):
    event = {
        "type": "pageview",
        "url": "http://testserver/services/?utm_source=Google"
        "&utm_medium=CPC&utm_campaign=Autumn%20Sale&gclid=abc&email=ivan@example.com",
        "referrer": "https://www.google.com/search?q=kommo",
    }
    event.update(overrides)
    return event


def test_a_page_view_is_stored_without_ip_cookie_or_foreign_query_parameters(client):
    response = post(client, pageview())

    assert response.status_code == 202
    assert response.json() == {"accepted": 1, "rejected": 0}
    assert not response.cookies
    stored = Event.objects.get()
    assert stored.type == Event.PAGEVIEW
    assert stored.path == "/services/"
    assert "email" not in stored.query and "utm_source=Google" in stored.query
    assert "gclid=abc" in stored.query
    assert (stored.source_class, stored.source, stored.medium, stored.campaign) == (
        "paid",
        "google",
        "cpc",
        "autumn sale",
    )
    assert stored.referrer_host == "www.google.com"
    assert (stored.country, stored.browser, stored.os, stored.device_type) == (
        "RU",
        "Chrome",
        "Windows",
        "desktop",
    )
    assert len(stored.visitor_key) == 32
    for value in Event.objects.values().get().values():
        assert IP not in str(value) and "95.31.18" not in str(value)


def test_send_beacon_text_plain_is_accepted(client):
    response = post(client, pageview(), content_type="text/plain;charset=UTF-8")
    assert response.status_code == 202
    assert Event.objects.count() == 1


def test_an_engagement_stores_its_visible_time(client):
    response = post(
        client, {"type": "engagement", "url": "http://testserver/", "duration_ms": 4200}
    )
    assert response.status_code == 202
    assert Event.objects.get().duration_ms == 4200


def test_a_bad_event_in_a_batch_never_breaks_the_good_ones(client):
    batch = [
        pageview(),
        {"type": "click", "url": "http://testserver/"},
        {"type": "engagement", "url": "http://testserver/", "duration_ms": -5},
        {"type": "engagement", "url": "http://testserver/", "duration_ms": 1500},
        "not an object",
    ]
    response = post(client, batch)

    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["rejected"]) == (2, 3)
    assert body["errors"] == {
        "1": {"type": 'must be "pageview" or "engagement"'},
        "2": {"duration_ms": "must not be negative"},
        "4": {"__all__": "an event must be a JSON object"},
    }
    assert Event.objects.count() == 2


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"type": "purchase", "url": "http://testserver/"}, "type"),
        ({"type": "pageview"}, "url"),
        ({"type": "pageview", "url": "/relative"}, "url"),
        ({"type": "pageview", "url": "javascript:alert(1)"}, "url"),
        ({"type": "pageview", "url": "http://evil.example/"}, "url"),
        ({"type": "pageview", "url": "http://testserver/a\x01b"}, "url"),
        ({"type": "pageview", "url": "http://testserver/a%00b"}, "url"),
        ({"type": "pageview", "url": "http://testserver/a%0Ab"}, "url"),
        ({"type": "pageview", "url": "http://testserver/", "referrer": "x\x7f"}, "referrer"),
        ({"type": "pageview", "url": "http://testserver/", "duration_ms": 5}, "duration_ms"),
        ({"type": "engagement", "url": "http://testserver/"}, "duration_ms"),
        ({"type": "engagement", "url": "http://testserver/", "duration_ms": "5"}, "duration_ms"),
        ({"type": "engagement", "url": "http://testserver/", "duration_ms": -1}, "duration_ms"),
        ({"type": "engagement", "url": "http://testserver/", "duration_ms": 10**9}, "duration_ms"),
        ({"type": "pageview", "url": "http://testserver/", "ts": 4102444800000}, "ts"),
        ({"type": "pageview", "url": "http://testserver/", "ts": 1000}, "ts"),
        ({"type": "pageview", "url": "http://testserver/", "ts": "yesterday"}, "ts"),
        ({"type": "pageview", "url": "http://testserver/", "ts": 1e300}, "ts"),
        ({"type": "pageview", "url": "http://testserver/", "extra": 1}, "extra"),
        ({"type": "pageview", "url": "http://testserver/", "cid": "short"}, "cid"),
        ({"type": "pageview", "url": "http://testserver/" + "a" * 600}, "url"),
    ],
)
def test_a_single_invalid_event_is_refused_with_422_and_nothing_stored(client, event, field):
    response = post(client, event)

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]
    assert Event.objects.count() == 0


def test_an_oversized_body_is_413(client):
    huge = json.dumps([pageview()] * 40 + [{"pad": "x" * MAX_BODY_BYTES}])
    response = post(client, huge)
    assert response.status_code == 413
    assert "at most 32768" in response.json()["errors"]["__all__"][0]
    assert Event.objects.count() == 0


def test_a_declared_oversized_length_is_413_before_reading(client):
    response = post(client, pageview(), CONTENT_LENGTH=str(MAX_BODY_BYTES + 1))
    assert response.status_code == 413


def test_a_wrong_content_type_is_415(client):
    response = post(client, "type=pageview", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert Event.objects.count() == 0


@pytest.mark.parametrize("body", ["{not json", " ", "42", '"pageview"', b"\xff\xfe"])
def test_garbage_is_400(client, body):
    response = post(client, body)
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"]


def test_too_many_events_in_one_batch_is_422(client):
    response = post(client, [pageview()] * 51)
    assert response.status_code == 422
    assert Event.objects.count() == 0


def test_bots_are_dropped_and_counted(client):
    response = post(client, [pageview(), pageview()], ua=GOOGLEBOT)

    assert response.status_code == 202
    assert response.json()["accepted"] == 0
    assert Event.objects.count() == 0
    post(client, pageview(), ua=GOOGLEBOT)
    assert BotTally.objects.get().hits == 3


def test_the_collector_is_in_the_openapi_schema(client):
    schema = client.get("/api/openapi.json").json()
    assert "/api/v1/collect" in schema["paths"]


def _grant_analytics(client) -> None:
    from consent.state import COOKIE_NAME, encode_state, new_state

    client.cookies[COOKIE_NAME] = encode_state(new_state().chose({"analytics"}))


CID = "Zx8f3kQ9LmN2pR7tV5wY1a"


def test_with_analytics_consent_the_first_party_id_is_kept_hashed(client):
    _grant_analytics(client)
    post(client, pageview(cid=CID))

    stored = Event.objects.get()
    assert stored.consented_id and CID not in stored.consented_id


def test_after_withdrawal_the_id_is_not_stored_and_is_forgotten(client):
    _grant_analytics(client)
    post(client, pageview(cid=CID))
    client.cookies.clear()  # consent withdrawn

    response = post(client, pageview(cid=CID))

    assert response.json()["accepted"] == 1
    assert list(Event.objects.values_list("consented_id", flat=True)) == ["", ""]


def test_the_script_is_on_public_pages_and_asks_for_an_id_only_with_consent(client):
    html = client.get("/").content.decode()
    assert "analytics/collect.js" in html and "data-cid" not in html
    _grant_analytics(client)
    assert 'data-cid="1"' in client.get("/").content.decode()


@pytest.mark.parametrize("kind", [{}, [], 5, None])
def test_an_event_type_that_is_not_a_string_is_a_422_not_a_500(client, kind):
    # Found by schemathesis: `{} in TYPES` raised TypeError (unhashable).
    response = client.post(
        "/api/v1/collect",
        json.dumps({"type": kind, "url": "http://testserver/"}),
        content_type="text/plain",
    )
    assert response.status_code == 422
    assert "type" in response.json()["errors"]
