from datetime import UTC, datetime

import pytest

from rights.clock import add_months, days_left, due_date, extended_due_date, is_due_soon


def test_the_due_date_is_30_days_when_the_month_is_longer():
    assert due_date(received_at=datetime(2026, 1, 10, tzinfo=UTC)) == datetime(
        2026, 2, 9, tzinfo=UTC
    )


def test_the_due_date_is_one_calendar_month_when_that_is_shorter():
    assert due_date(received_at=datetime(2026, 2, 1, tzinfo=UTC)) == datetime(
        2026, 3, 1, tzinfo=UTC
    )


def test_the_31st_plus_a_month_is_the_next_months_last_day():
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)


def test_an_extension_is_one_or_two_months():
    due = datetime(2026, 2, 9, tzinfo=UTC)
    assert extended_due_date(due_at=due, months=2) == datetime(2026, 4, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="1 or 2 months"):
        extended_due_date(due_at=due, months=3)


def test_days_left_and_the_seven_day_flag():
    now = datetime(2026, 2, 1, tzinfo=UTC)
    assert days_left(due_at=datetime(2026, 2, 7, 12, tzinfo=UTC), now=now) == 6
    assert is_due_soon(due_at=datetime(2026, 2, 7, tzinfo=UTC), now=now)
    assert not is_due_soon(due_at=datetime(2026, 2, 20, tzinfo=UTC), now=now)
