"""The transactional outbox, the shared Kommo pacing state, and the events Kommo sends back.

Retries live in the outbox row (attempts, next attempt time, last error), not in the task
queue: django-tasks has no retries, and a lost task only delays a row, it never loses it.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxQuerySet(models.QuerySet):
    def claimable(self) -> "OutboxQuerySet":
        """Pending rows no live worker holds (a crashed worker's lease has run out)."""
        now = timezone.now()
        return self.filter(
            models.Q(claimed_until__isnull=True) | models.Q(claimed_until__lt=now),
            state=OutboxMessage.State.PENDING,
        )

    def due(self, *, kind: str) -> "OutboxQuerySet":
        """Claimable rows of `kind` whose next attempt has come, oldest first."""
        return (
            self.claimable()
            .filter(kind=kind, next_attempt_at__lte=timezone.now())
            .order_by("created_at", "id")
        )


class OutboxMessage(models.Model):
    class Kind(models.TextChoices):
        CRM_LEAD = "crm.lead", "deliver lead to Kommo"
        SALES_NOTIFICATION = "crm.notify", "email sales about a new lead"

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for delivery")
        DELIVERED = "delivered", _("delivered")
        DEAD = "dead", _("rejected: needs staff")

    kind = models.CharField(max_length=32, choices=Kind.choices)
    ref = models.BigIntegerField()  # the id of the object to deliver (a lead for crm.lead)
    # Found through outbox_due_idx (state first): no index of its own (issue 9).
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # A worker's claim: no other worker takes the row until the lease runs out (a crashed
    # worker's rows come back by themselves).
    claimed_by = models.CharField(max_length=128, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Set (and committed) just before a request that may create the lead in Kommo; cleared
    # when we know the outcome. While set, Kommo may hold the lead already: look it up by
    # our marker before sending again (exactly once across crashes).
    in_doubt_since = models.DateTimeField(null=True, blank=True)

    objects = OutboxQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "ref"], name="outbox_one_message_per_ref")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.ref} ({self.state}, {self.attempts} attempts)"


class KommoState(models.Model):
    """One row (id=1) shared by every worker: the token bucket, the breaker and the pause.

    Kommo allows 7 requests/s per account, for all our processes together, so the bucket
    lives in the database and each request takes its token under a row lock.
    """

    tokens = models.FloatField(default=1.0)
    tokens_at = models.DateTimeField(default=timezone.now)
    # Nobody calls Kommo before this (Retry-After of a 429, or backoff while Kommo is down).
    blocked_until = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    # 401/403: delivery pauses until staff resume it or the token changes.
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.TextField(blank=True)
    paused_token = models.CharField(max_length=64, blank=True)  # fingerprint, not the token
    last_success_at = models.DateTimeField(null=True, blank=True)
    # Unix time up to which the poll has read Kommo's changed leads.
    poll_cursor = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "Kommo connection"
        verbose_name_plural = "Kommo connection"

    def __str__(self) -> str:
        if self.paused_at:
            return f"Kommo delivery paused since {self.paused_at:%Y-%m-%d %H:%M}"
        return "Kommo delivery running"


class KommoEvent(models.Model):
    """A change Kommo told us about (webhook or poll), kept as ids only: no personal data.

    The digest makes processing idempotent: Kommo repeats webhooks it thinks we missed.
    """

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "webhook"
        POLL = "poll", "poll"

    class Outcome(models.TextChoices):
        APPLIED = "applied", "applied to a lead"
        UNKNOWN = "unknown", "unknown Kommo id (acknowledged)"

    source = models.CharField(max_length=8, choices=Source.choices)
    entity = models.CharField(max_length=16)  # leads | contacts
    action = models.CharField(max_length=16)  # status | update | add | note | poll
    kommo_id = models.BigIntegerField(db_index=True)
    status_id = models.BigIntegerField(null=True, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.source} {self.entity}.{self.action} #{self.kommo_id} ({self.outcome})"


class KommoInbox(models.Model):
    """A Kommo webhook as it arrived, applied by the worker (issue 9).

    Kommo disables a hook that answers slowly, so the endpoint stores the body (one INSERT)
    and answers; `crm.tasks.apply_kommo_webhooks` applies it and deletes the row. A body
    that cannot be applied stays here, FAILED with its error, for staff to read and retry.
    Applying is idempotent (KommoEvent digests), so a worker killed mid-way is harmless.
    """

    class State(models.TextChoices):
        PENDING = "pending", "waiting to be applied"
        FAILED = "failed", "could not be applied: needs staff"

    # The raw body carries what Kommo sends of a lead or contact (its name, and contact
    # fields): personal data, so a register rule with a clock must cover this table
    # (`kommo_hooks`, 30 days; register/retention_check.py refuses it otherwise).
    register_fields = {"body": "name"}

    # As Kommo sent it (application/x-www-form-urlencoded); other encodings re-encoded so.
    body = models.BinaryField()
    encoding = models.CharField(max_length=32, default="utf-8")
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    # A worker's claim, as on outbox rows: a killed worker's row is taken again after it.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [models.Index(fields=["state", "received_at"], name="kommo_inbox_pending_idx")]
        verbose_name = "Kommo webhook waiting or failed"
        verbose_name_plural = "Kommo webhooks waiting or failed"

    def __str__(self) -> str:
        return f"Kommo webhook {self.pk} ({self.state}, {self.attempts} attempts)"
