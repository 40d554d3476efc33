import pytest

from integrations.calcom.client import CalcomClient

from .calcom_double import CalcomDouble


@pytest.fixture
def calcom():
    with CalcomDouble(api_key="cal_test_key") as double:
        yield double


@pytest.fixture
def calcom_client(calcom):
    with CalcomClient(api_key=calcom.api_key, base_url=calcom.url, timeout=2.0) as client:
        yield client
