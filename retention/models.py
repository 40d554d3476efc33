"""Proof of retention (policy §5, Art. 5(2)): each run, what it did, and what it owes others.

No personal data here: counts, rule ids, ids of vendor records and reasons.
"""

from django.db import models
from django.utils import timezone


class RetentionRun(models.Model):
    """One sweep (or dry run). Its cursor makes a crashed run resume where it stopped."""

    class State(models.TextChoices):
        RUNNING = "running", "running"
        DONE = "done", "done"

    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The moment the run measures expiry against; a resumed run keeps it, so nothing
    # newly expired slips into a half-done rule and counts stay comparable.
    as_of = models.DateTimeField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    dry_run = models.BooleanField(default=False)
    trigger = models.CharField(max_length=16, default="command")  # command | schedule | desk
    # {"<rule>": {"<model>": {"deleted": n, "anonymised": n, "held": n, ...}}}
    counts = models.JSONField(default=dict)
    # {"<rule>": ["3 subjects restricted (Art. 18)", ...]}
    skipped = models.JSONField(default=dict)
    # Steps finished, e.g. ["contact:capture.lead"]: a resumed run starts at the next one.
    done_steps = models.JSONField(default=list)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        kind = "dry run" if self.dry_run else "run"
        return f"retention {kind} {self.pk} ({self.state})"


class RecipientAction(models.Model):
    """Something a recipient must still do for expired data, e.g. anonymise a Kommo contact.

    Written in the same transaction that deletes our copy, so the vendor ids survive the
    row they came from. `retention.execute_recipient_actions` (services/executor.py) carries
    it out with the calls an erasure makes (crm.gdpr for Kommo, the Cal.com client's
    cancel), retrying passing failures, and settles it with the recipient's receipt.
    """

    class State(models.TextChoices):
        PENDING = "pending", "waiting for its first try"
        RETRYING = "retrying", "retrying after a passing failure"
        WAITING = "waiting", "waiting for a person (see the instructions)"
        FAILED = "failed", "failed: a person must fix the cause, then retry"
        DONE = "done", "done at the recipient"

    recipient = models.CharField(max_length=64)  # a register recipient id: "kommo"
    action = models.CharField(max_length=16, default="anonymise")
    rule = models.CharField(max_length=64)
    run = models.ForeignKey(RetentionRun, null=True, on_delete=models.SET_NULL)
    # Vendor ids only, e.g. {"kommo_lead_id": 7, "kommo_contact_id": 9}.
    target = models.JSONField()
    target_key = models.CharField(max_length=128)  # "lead:7": the same record once
    state = models.CharField(
        max_length=8, choices=State.choices, default=State.PENDING, db_index=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    receipt = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    # In words, for the desk: what went wrong last, or what a person must do. No personal data.
    last_error = models.TextField(blank=True)
    # A worker's claim, as on crm's outbox rows: a killed worker's action is taken again.
    claimed_by = models.CharField(max_length=128, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)

    # Actions the executor still takes up by itself.
    OPEN = (State.PENDING, State.RETRYING)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "action", "target_key"], name="retention_action_once"
            )
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="retention_action_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.action} at {self.recipient}: {self.target_key} ({self.state})"


class LegalHold(models.Model):
    """The DPO keeps a subject's data past its period (a claim, an inquiry: Art. 17(3)(e)).

    While active, the sweep skips the subject and says so in every run record.
    """

    subject = models.ForeignKey(
        "subjects.Subject", on_delete=models.CASCADE, related_name="legal_holds"
    )
    reason = models.CharField(max_length=255)
    created_by = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    until = models.DateTimeField(null=True, blank=True)  # None: until released
    released_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"legal hold {self.pk} on subject {self.subject_id}"
