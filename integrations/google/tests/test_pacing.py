import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from integrations.google.errors import GoogleRateLimited
from integrations.google.pacing import PER_DAY, SharedDeletionPacer

from .conftest import PROPERTY_ID

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, 0, 250_000, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def _pacer(clock, waits: list[float]) -> SharedDeletionPacer:
    def sleep(seconds: float) -> None:
        waits.append(round(seconds, 3))
        clock.shift(timedelta(seconds=seconds))

    return SharedDeletionPacer(sleep=sleep)


def test_a_request_goes_in_the_second_half_of_its_slot(clock):
    waits: list[float] = []
    _pacer(clock, waits).wait_for_slot(property_id=PROPERTY_ID)
    assert waits == [0.75]  # from 10:00:00.25 to 10:00:01


def test_a_request_asked_in_the_second_half_goes_at_once(clock):
    waits: list[float] = []
    clock.shift(timedelta(seconds=1.25))
    _pacer(clock, waits).wait_for_slot(property_id=PROPERTY_ID)
    assert waits == []


def test_a_second_request_waits_for_the_next_two_second_slot(clock):
    waits: list[float] = []
    pacer = _pacer(clock, waits)

    pacer.wait_for_slot(property_id=PROPERTY_ID)
    pacer.wait_for_slot(property_id=PROPERTY_ID)

    # 10:00:00.25 to 10:00:01, then the slot is spent: to 10:00:02, and on to 10:00:03.
    assert waits == [0.75, 1.0, 1.0]


def test_requests_are_never_less_than_a_second_apart(clock):
    """Google counts 1.5 requests in any sliding second: a request late in one fixed window
    and one early in the next must not land 1 ms apart."""
    sent: list[float] = []
    pacer = _pacer(clock, [])
    clock.shift(timedelta(seconds=1.999))  # at the very end of a slot
    for _ in range(4):
        pacer.wait_for_slot(property_id=PROPERTY_ID)
        sent.append(datetime.now(UTC).timestamp())
        clock.shift(timedelta(seconds=0.7))  # the request itself, then the next one is asked

    gaps = [b - a for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 1.0


def test_pacers_in_different_processes_share_the_budget_through_the_database(clock):
    waits: list[float] = []
    _pacer(clock, []).wait_for_slot(property_id=PROPERTY_ID)

    _pacer(clock, waits).wait_for_slot(property_id=PROPERTY_ID)  # another instance

    assert waits == [1.0, 1.0]


def test_properties_have_separate_budgets(clock):
    waits: list[float] = []
    pacer = _pacer(clock, waits)
    pacer.wait_for_slot(property_id=PROPERTY_ID)
    pacer.wait_for_slot(property_id="987654321")
    assert waits == [0.75]  # the first property's slot waited; the second's did not


def test_the_days_budget_spent_raises_rate_limited_until_the_next_utc_day(clock):
    pacer = _pacer(clock, [])
    for _ in range(PER_DAY.limit):
        pacer.wait_for_slot(property_id=PROPERTY_ID)

    with pytest.raises(
        GoogleRateLimited, match="250 user deletion requests already sent"
    ) as caught:
        pacer.wait_for_slot(property_id=PROPERTY_ID)

    assert caught.value.daily
    next_day = datetime(2026, 3, 3, tzinfo=UTC)
    assert caught.value.retry_after == pytest.approx((next_day - datetime.now(UTC)).total_seconds())
    clock.move_to(next_day)
    pacer.wait_for_slot(property_id=PROPERTY_ID)  # a new day, a new budget
