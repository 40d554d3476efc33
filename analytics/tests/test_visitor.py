"""Visitor keys: cookieless, one day long; yesterday's salt is destroyed."""

import datetime

import pytest
import time_machine

from analytics.models import Salt
from analytics.salts import destroy_old_salts, forget_cached_salts, salt_for
from analytics.visitor import visitor_key

from .factories import CHROME_DESKTOP, IPHONE

pytestmark = pytest.mark.django_db

DAY1 = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
DAY2 = DAY1 + datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_cache():
    forget_cached_salts()
    yield
    forget_cached_salts()


def key(ip: str = "95.31.18.119", ua: str = CHROME_DESKTOP, *, when=DAY1) -> str:
    with time_machine.travel(when, tick=False):
        return visitor_key(ip=ip, user_agent=ua, day=when.date())


def test_same_browser_same_day_is_one_visitor():
    assert key() == key(when=DAY1 + datetime.timedelta(hours=8))


def test_another_browser_or_network_is_another_visitor():
    assert key() != key(ua=IPHONE)
    assert key() != key(ip="5.6.7.8")


def test_the_ip_is_truncated_before_hashing():
    # Same /24 network, same User-Agent: the host part never reaches the hash.
    assert key(ip="95.31.18.119") == key(ip="95.31.18.7")


def test_the_key_changes_every_day():
    assert key(when=DAY1) != key(when=DAY2)


def test_salts_are_random_not_derived_from_a_secret():
    with time_machine.travel(DAY1, tick=False):
        first = salt_for(DAY1.date())
        Salt.objects.all().delete()
        forget_cached_salts()
        second = salt_for(DAY1.date())
    assert len(first) == 32 and first != second


def test_yesterdays_salt_is_destroyed_and_its_keys_cannot_be_recomputed():
    key(when=DAY1)
    with time_machine.travel(DAY2, tick=False):
        key(when=DAY2)
        assert Salt.objects.count() == 2
        assert destroy_old_salts() == 1
        assert list(Salt.objects.values_list("day", flat=True)) == [DAY2.date()]
        with pytest.raises(LookupError, match="2026-03-10 is not available"):
            salt_for(DAY1.date())
        with pytest.raises(LookupError):
            visitor_key(ip="95.31.18.119", user_agent=CHROME_DESKTOP, day=DAY1.date())


def test_no_salt_for_a_future_day():
    with time_machine.travel(DAY1, tick=False), pytest.raises(LookupError):
        salt_for(DAY2.date())


def test_a_new_day_forgets_the_old_salt_in_memory_too():
    key(when=DAY1)
    with time_machine.travel(DAY2, tick=False):
        salt_for(DAY2.date())
        Salt.objects.filter(day=DAY1.date()).delete()
        with pytest.raises(LookupError):
            salt_for(DAY1.date())
