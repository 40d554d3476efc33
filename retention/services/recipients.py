"""The other side of a RecipientAction: the recipient's step reports it done (with proof)."""

from django.db import transaction
from django.utils import timezone

from audit.services import record_event

from ..models import RecipientAction


@transaction.atomic
def settle_recipient_action(*, action_id: int, receipt: dict, actor: str = "system") -> bool:
    """Mark one action done with the recipient's receipt; False when it was already done.

    Called by the executor once the recipient answered (services/executor.py), or by a
    person for an action waiting on them (the admin's "mark done"), so the proof of the
    whole expiry, ours and the recipient's, ends in the audit log, once.
    """
    updated = (
        RecipientAction.objects.filter(pk=action_id)
        .exclude(state=RecipientAction.State.DONE)
        .update(
            state=RecipientAction.State.DONE,
            done_at=timezone.now(),
            receipt=receipt,
            last_error="",
            claimed_by="",
            claimed_until=None,
        )
    )
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


def retry_recipient_actions(*, action_ids: list[int]) -> int:
    """A person fixed the cause (a token, a key): failed or waiting actions are tried again."""
    return (
        RecipientAction.objects.filter(pk__in=action_ids)
        .filter(state__in=[RecipientAction.State.FAILED, RecipientAction.State.WAITING])
        .update(
            state=RecipientAction.State.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_by="",
            claimed_until=None,
        )
    )
