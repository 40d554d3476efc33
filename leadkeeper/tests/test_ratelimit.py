"""Issue 15 item 4: the limiter's keys and its batched counting (endpoints: each app's tests)."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from leadkeeper import ratelimit
from leadkeeper.models import RateLimitCounter

pytestmark = pytest.mark.django_db


def test_ipv6_addresses_count_by_their_64_and_ipv4_exactly():
    assert ratelimit.client_key("2001:db8:1:2::1") == ratelimit.client_key("2001:db8:1:2:ffff::9")
    assert ratelimit.client_key("2001:db8:1:2::1") != ratelimit.client_key("2001:db8:1:3::1")
    assert ratelimit.client_key("::ffff:81.2.69.160") == "81.2.69.160"
    assert ratelimit.client_key("81.2.69.160") != ratelimit.client_key("81.2.69.161")
    assert ratelimit.client_key("") == "unknown"


def test_a_visitors_beacons_below_the_flush_size_cost_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        for _ in range(10):
            assert ratelimit.allow_batched(
                scope="collect", ip="81.2.69.160", rate="1200/m", cost=2, flush_every=200
            )


def test_the_batched_limit_reaches_the_shared_counter_every_process_sees():
    for _ in range(3):
        ratelimit.allow_batched(
            scope="collect", ip="81.2.69.160", rate="10/m", cost=2, flush_every=3
        )
    # 4 of the 6 reached the shared counter (one flush); 2 are still pending here.
    ratelimit._tallies.clear()  # another process: knows nothing locally
    assert ratelimit.allow_batched(
        scope="collect", ip="81.2.69.160", rate="10/m", cost=5, flush_every=3
    )
    assert not ratelimit.allow_batched(
        scope="collect", ip="81.2.69.160", rate="10/m", cost=3, flush_every=3
    )


@pytest.mark.django_db(transaction=True)
def test_a_counter_that_cannot_be_written_lets_a_lone_hit_through(monkeypatch):
    # A real failed statement: the counter's table is not there.
    monkeypatch.setattr(RateLimitCounter._meta, "db_table", "ratelimit_missing_table")
    assert ratelimit.allow(scope="rights", ip="81.2.69.160", rate="1/m")
    assert ratelimit.allow(scope="rights", ip="81.2.69.160", rate="1/m")
    monkeypatch.undo()
    assert RateLimitCounter.objects.count() == 0  # the connection is still usable


def test_inside_a_callers_transaction_a_counter_failure_propagates(monkeypatch):
    """Failing open there would go on in a transaction PostgreSQL has aborted (the lead's)."""
    monkeypatch.setattr(RateLimitCounter._meta, "db_table", "ratelimit_missing_table")
    with pytest.raises(DatabaseError), transaction.atomic():
        ratelimit.allow(scope="lead", ip="81.2.69.160", rate="10/m")


@pytest.mark.usefixtures("one_rate_window")
def test_an_address_over_its_limit_is_refused_without_a_statement_for_the_rest_of_the_window():
    rate = ratelimit.Rate(1, 60)
    assert ratelimit.allow(scope="lead", ip="81.2.69.160", rate=rate)
    assert not ratelimit.allow(scope="lead", ip="81.2.69.160", rate=rate)
    with CaptureQueriesContext(connection) as queries:
        assert not ratelimit.allow(scope="lead", ip="81.2.69.160", rate=rate)
    assert queries.captured_queries == []
    assert ratelimit.allow(scope="lead", ip="81.2.69.161", rate=rate)  # another address
