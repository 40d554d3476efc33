"""An append-only, tamper-evident log of who touched which personal data and why.

Appending is a plain INSERT inside the caller's transaction, so the log never serialises
the transactions that write it. A sealer (scheduled every few seconds, one at a time under
a lock on AuditHead) then gives each committed event the next sequence number and a hash
over its content and the previous event's hash. Editing or deleting a sealed row breaks
the chain from there on; `manage.py audit verify` finds the first break and reports events
still waiting for their seal. Events carry ids and event names, never the personal data.

Events older than the register's audit period (6 years) are pruned from the chain's start
only: an AuditCheckpoint keeps the hash of the last pruned event, the chain is verified
from there, and each checkpoint is attested by an `audit.pruned` event sealed into the
chain itself, so a checkpoint nobody sealed reads as tampering.
"""

from django.db import models
from django.utils import timezone


class AuditHead(models.Model):
    """The chain's end: locked by the sealer, so seals are strictly sequential."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain head at event {self.count}"


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=64)  # "visitor", "system", "kommo", "user:<id>"
    action = models.CharField(max_length=64)  # "lead.captured"; indexed in Meta
    subject_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)  # ids and counts only
    # Set once by the sealer; null while the event waits for its seal.
    seq = models.PositiveBigIntegerField(unique=True, null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)
    sealed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["id"], name="audit_unsealed_idx", condition=models.Q(seq__isnull=True)
            ),
            # A plain index: db_index would add a LIKE index on PostgreSQL that no query uses.
            models.Index(fields=["action"], name="audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} by {self.actor}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError(f"audit event {self.pk} is append-only and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object):
        raise ValueError(f"audit event {self.pk} is append-only and cannot be deleted")


class AuditCheckpoint(models.Model):
    """Where the chain starts after a prune: the last pruned event's seq and hash.

    Append-only like the events; `verify_chain` starts at the newest checkpoint and checks
    that the chain holds the `audit.pruned` event that attests it.
    """

    seq = models.PositiveBigIntegerField(unique=True)  # the last pruned event
    hash = models.CharField(max_length=64)  # its hash: the next event's prev_hash
    event_at = models.DateTimeField()  # its time: everything up to here was pruned
    before = models.DateTimeField()  # the cutoff the prune applied
    pruned = models.PositiveIntegerField()  # events this prune removed
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-seq"]

    def __str__(self) -> str:
        return f"audit chain pruned through event {self.seq}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError(f"audit checkpoint {self.pk} is append-only and cannot be changed")
        super().save(*args, **kwargs)
