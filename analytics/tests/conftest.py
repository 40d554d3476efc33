import pytest


@pytest.fixture(autouse=True)
def _write_events_within_the_request(settings):
    """Tests read what the collector stored right after it answered: no ingest buffer."""
    settings.ANALYTICS_FLUSH_SECONDS = 0
