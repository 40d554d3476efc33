"""An append-only, tamper-evident log of who touched which personal data and why.

Each event's hash covers its content and the previous event's hash, so editing or deleting
any row breaks the chain from there on; `manage.py audit verify` finds the first break.
Events carry ids and event names, never the personal data itself.
"""

from django.db import models
from django.utils import timezone


class AuditHead(models.Model):
    """A single row locked while appending, so concurrent writers extend one chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain head at event {self.count}"


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(unique=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.CharField(max_length=64)  # "visitor", "system", "kommo", "user:<id>"
    action = models.CharField(max_length=64, db_index=True)  # "lead.captured"
    subject_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=255, blank=True)
    data = models.JSONField(default=dict, blank=True)  # ids and counts only
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} by {self.actor}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError(f"audit event {self.seq} is append-only and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object):
        raise ValueError(f"audit event {self.seq} is append-only and cannot be deleted")
