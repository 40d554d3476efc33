"""A recipient's step settles what an expiry left for it, once, with its receipt audited."""

import pytest

from audit.models import AuditEvent
from retention.models import RecipientAction
from retention.selectors import pending_recipient_actions
from retention.services.recipients import settle_recipient_action

pytestmark = pytest.mark.django_db


def test_a_settled_action_is_no_longer_pending_and_its_receipt_is_audited():
    action = RecipientAction.objects.create(
        recipient="kommo", rule="contact", target={"kommo_contact_id": 9}, target_key="lead:1"
    )
    assert [a.pk for a in pending_recipient_actions(recipient="kommo")] == [action.pk]

    assert settle_recipient_action(action_id=action.pk, receipt={"updated_at": 1700000000})
    assert not settle_recipient_action(action_id=action.pk, receipt={})  # once

    action.refresh_from_db()
    assert (action.state, action.receipt) == ("done", {"updated_at": 1700000000})
    assert pending_recipient_actions() == []
    event = AuditEvent.objects.get(action="retention.recipient_done")
    assert event.data["target"] == {"kommo_contact_id": 9}
