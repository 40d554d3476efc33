"""The recipients of policy §6 as local doubles (crm's Kommo, integrations' Cal.com)."""

import pytest

from crm import pacing
from crm.tests.kommo_double import KommoDouble
from integrations.calcom.tests.calcom_double import CalcomDouble
from retention.services import executor


@pytest.fixture
def kommo_api(settings, monkeypatch):
    """The local Kommo, configured as ours; pacing waits are not slept (tests move the clock)."""
    double = KommoDouble(token="retention-kommo-token").start()
    double.rate_limit = None  # the clock is moved by time-machine, not by the wall
    settings.KOMMO_BASE_URL, settings.KOMMO_ACCESS_TOKEN = double.url, double.token
    monkeypatch.setattr(pacing, "sleep", lambda seconds: None)
    pacing.forget_clients()
    yield double
    pacing.forget_clients()  # a later double may get the same port
    double.stop()


@pytest.fixture
def calcom_api(settings):
    with CalcomDouble(api_key="cal_retention_key") as double:
        settings.CALCOM_API_KEY, settings.CALCOM_API_URL = double.api_key, double.url
        yield double


@pytest.fixture(autouse=True)
def _no_fault_hook():
    yield
    executor.fault_hook = None
