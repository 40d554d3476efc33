"""Issue 14 item 5: properties of the visitor key, for any address and User-Agent."""

import datetime
import ipaddress

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.salts import forget_cached_salts
from analytics.visitor import USER_AGENT_MAX, visitor_key

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
ipv4 = st.ip_addresses(v=4).map(str)
ipv6 = st.ip_addresses(v=6).map(str)
user_agents = st.text(max_size=600)
PROPERTY = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@pytest.fixture(autouse=True)
def _today():
    forget_cached_salts()
    with time_machine.travel(DAY, tick=False):
        yield
    forget_cached_salts()


def _key(ip: str, ua: str) -> str:
    return visitor_key(ip=ip, user_agent=ua, day=DAY.date())


@PROPERTY
@given(ip=ipv4 | ipv6, ua=user_agents)
def test_a_key_is_128_bits_of_hex_and_holds_neither_input(ip, ua):
    key = _key(ip, ua)
    assert len(key) == 32 and int(key, 16) >= 0
    assert ip not in key and (len(ua) < 4 or ua not in key)


@PROPERTY
@given(ip=ipv4, host=st.integers(0, 255), ua=user_agents)
def test_addresses_in_one_ipv4_24_are_one_visitor(ip, host, ua):
    network = ipaddress.ip_network(f"{ip}/24", strict=False)
    neighbour = str(network.network_address + host)
    assert _key(ip, ua) == _key(neighbour, ua)


@PROPERTY
@given(ip=ipv6, low=st.integers(0, 2**80 - 1), ua=user_agents)
def test_addresses_in_one_ipv6_48_are_one_visitor(ip, low, ua):
    network = ipaddress.ip_network(f"{ip}/48", strict=False)
    neighbour = str(network.network_address + low)
    assert _key(ip, ua) == _key(neighbour, ua)


@PROPERTY
@given(ip=ipv4 | ipv6, ua=st.text(min_size=USER_AGENT_MAX, max_size=700), tail=st.text(max_size=50))
def test_only_the_stored_length_of_the_user_agent_counts(ip, ua, tail):
    assert _key(ip, ua) == _key(ip, ua[:USER_AGENT_MAX] + tail)


@PROPERTY
@given(ip=ipv4 | ipv6, ua=user_agents, other=user_agents)
def test_another_user_agent_is_another_visitor(ip, ua, other):
    if ua[:USER_AGENT_MAX] != other[:USER_AGENT_MAX]:
        assert _key(ip, ua) != _key(ip, other)
