import pytest

from integrations.google.auth import ServiceAccountTokens
from integrations.google.client import GoogleAnalyticsClient

from .google_double import GoogleDouble

PROPERTY_ID = "123456789"


class NoWait:
    """A DeletionPacer that records each slot asked for and never waits (client tests)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def wait_for_slot(self, *, property_id: str) -> None:
        self.asked.append(property_id)


@pytest.fixture
def google(tmp_path):
    double = GoogleDouble.with_service_account(tmp_path, properties=(PROPERTY_ID,))
    yield double
    double.stop()


@pytest.fixture
def ga_client(google):
    client = GoogleAnalyticsClient(
        tokens=ServiceAccountTokens(key_file=str(google.key_file)),
        property_id=PROPERTY_ID,
        user_deletion_url=google.upsert_url,
        admin_api_url=google.url,
        timeout=2.0,
    )
    yield client
    client.close()
