"""The other side of a RecipientAction: the recipient's step reports it done (with proof)."""

from django.db import transaction
from django.utils import timezone

from audit.services import record_event

from ..models import RecipientAction


@transaction.atomic
def settle_recipient_action(*, action_id: int, receipt: dict, actor: str = "system") -> bool:
    """Mark one pending action done with the recipient's receipt; False when already done.

    Called by the step that executed it (the rights app's Kommo or Cal.com step), so the
    proof of the whole expiry, ours and the recipient's, ends in the audit log.
    """
    updated = RecipientAction.objects.filter(
        pk=action_id, state=RecipientAction.State.PENDING
    ).update(state=RecipientAction.State.DONE, done_at=timezone.now(), receipt=receipt)
    if updated:
        action = RecipientAction.objects.get(pk=action_id)
        record_event(
            actor=actor,
            action="retention.recipient_done",
            obj=action,
            reason=f"policy §5, §6: expired data {action.action}d at {action.recipient}",
            data={"rule": action.rule, "target": action.target, "receipt": receipt},
        )
    return bool(updated)
