import pytest


@pytest.fixture
def audit_head(transactional_db):
    """A transactional test starts from a flushed database, without the audit chain's head
    row that a data migration creates; put it back so audited writes work."""
    from audit.models import AuditHead

    AuditHead.objects.get_or_create(id=1)
