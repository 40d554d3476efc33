import pytest


@pytest.fixture
def audit_head(transactional_db):
    """A transactional test starts from a flushed database, without the audit chain's head
    row that a data migration creates; put it back so audited writes work."""
    from audit.models import AuditHead

    AuditHead.objects.get_or_create(id=1)


@pytest.fixture(autouse=True)
def _deliveries_of_any_age(settings, request):
    """Most tests deliver events dated days apart to test ordering; the replay window has
    its own tests (marked `replay_window`), which keep the production tolerance."""
    if "replay_window" not in request.keywords:
        settings.CALCOM_WEBHOOK_TOLERANCE_SECONDS = 10 * 365 * 86400
