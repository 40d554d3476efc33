"""The transactional outbox: written in the same transaction as the data it delivers.

Retries live here (attempts, next attempt time, last error), not in the task queue:
django-tasks has no retries, and a lost task only delays a row, it never loses it.
"""

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    class Kind(models.TextChoices):
        CRM_LEAD = "crm.lead", "deliver lead to Kommo"

    class State(models.TextChoices):
        PENDING = "pending", "waiting for delivery"
        DELIVERED = "delivered", "delivered"
        DEAD = "dead", "rejected: needs staff"

    kind = models.CharField(max_length=32, choices=Kind.choices)
    ref = models.BigIntegerField()  # the id of the object to deliver (a lead for crm.lead)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="outbox_one_message_per_ref")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ref} ({self.state}, {self.attempts} attempts)"
