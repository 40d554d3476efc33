"""Issue 15 item 4: every public POST is limited per address, IPv6 per /64, behind proxies.

One file for every endpoint's limit (leads, collector, webhooks), so the keying rules are
shown once against all of them; the limiter itself is tested in leadkeeper/tests.
"""

import json

import pytest

from capture.tests.factories import lead_payload

pytestmark = pytest.mark.django_db


def _lead(client, **meta):
    return client.post(
        "/api/v1/leads", json.dumps(lead_payload()), content_type="application/json", **meta
    ).status_code


def test_one_ipv6_64_shares_one_lead_counter(client, settings):
    settings.LEAD_RATE_LIMIT = "2/m"
    statuses = [_lead(client, REMOTE_ADDR=f"2001:db8:1:2::{i}") for i in range(1, 5)]
    assert statuses == [201, 201, 429, 429]


def test_visitors_behind_a_trusted_proxy_do_not_share_a_counter(client, settings):
    settings.LEAD_RATE_LIMIT = "1/m"
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for visitor in ("81.2.69.160", "81.2.69.161", "95.31.18.119"):
        assert _lead(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=visitor) == 201
    assert _lead(client, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="81.2.69.160") == 429


def _collect(client, events: int, ip: str = "81.2.69.160"):
    body = [{"type": "pageview", "url": "http://testserver/"} for _ in range(events)]
    return client.post(
        "/api/v1/collect", json.dumps(body), content_type="text/plain", REMOTE_ADDR=ip
    )


def test_the_collector_limits_events_per_address_per_minute(client, settings):
    settings.COLLECT_RATE_LIMIT = "100/m"
    statuses = [_collect(client, 50).status_code for _ in range(4)]
    assert statuses == [202, 202, 429, 429]
    assert _collect(client, 50, ip="95.31.18.119").status_code == 202
    from analytics.models import Event

    assert Event.objects.count() == 150


def test_webhooks_are_rate_limited_before_any_work(client, settings):
    settings.WEBHOOK_RATE_LIMIT = "2/m"
    statuses = [
        client.post("/hooks/calcom/", b"{}", content_type="application/json").status_code
        for _ in range(3)
    ]
    assert statuses[2] == 429
    assert statuses[:2] != [429, 429]
