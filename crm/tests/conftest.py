import pytest

from crm import pacing
from crm.delivery import failures
from crm.models import KommoState

from .kommo_double import KommoDouble


@pytest.fixture
def kommo(settings):
    """The local Kommo, configured as ours (rate limit on, as Kommo's)."""
    double = KommoDouble(token="test-kommo-token")
    double.start()
    settings.KOMMO_BASE_URL = double.url
    settings.KOMMO_ACCESS_TOKEN = double.token
    settings.KOMMO_MODE = "complex"
    yield double
    double.stop()


@pytest.fixture(autouse=True)
def _no_faults():
    yield
    failures.fault_hook = None
    # A later double may get the same port: a cached client would then skip a test's
    # monkeypatched make_client (and its short timeout).
    pacing.forget_clients()


@pytest.fixture
def no_sleep():
    """Pacing waits are recorded instead of slept (the double's limiter is then turned off)."""
    waits: list[float] = []
    return waits.append, waits


def state() -> KommoState:
    return KommoState.objects.get(pk=1)
