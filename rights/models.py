"""Rights requests (policy §7, GDPR Art. 12-22, 77), their steps and the erasure ledger.

The request flow follows Ethyca Fides (identity unverified -> pending -> approved -> in
processing -> complete, with requires-input, paused and error); unlike Fides, every step has
its own row, so one failing recipient never hides what the others did (fides#2048, #1653).
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from leadkeeper.crypto import EncryptedCharField, EncryptedTextField


class Right(models.TextChoices):
    # Translated: the answer and the access report name the rights in the person's language.
    ACCESS = "access", _("access (Art. 15)")
    RECTIFICATION = "rectification", _("rectification (Art. 16)")
    ERASURE = "erasure", _("erasure (Art. 17)")
    RESTRICTION = "restriction", _("restriction of processing (Art. 18)")
    PORTABILITY = "portability", _("data portability (Art. 20)")
    OBJECTION = "objection", _("objection (Art. 21)")
    WITHDRAWAL = "withdrawal", _("withdrawal of consent (Art. 7(3))")
    COMPLAINT = "complaint", _("complaint to a supervisory authority (Art. 77)")


class RightsRequest(models.Model):
    """One request of a data subject. Its identifiers are encrypted and found by blind index;
    an erasure clears them and keeps only the indexes (the request is proof of the answer)."""

    class Status(models.TextChoices):
        RECEIVED = "received", "received, identity not verified"
        PENDING = "pending", "verified, waiting for the DPO's approval"
        APPROVED = "approved", "approved"
        IN_PROCESSING = "in_processing", "in processing"
        REQUIRES_INPUT = "requires_input", "waiting for a person"
        PAUSED = "paused", "paused"
        ERROR = "error", "a step failed"
        COMPLETE = "complete", "complete"

    class Channel(models.TextChoices):
        WEB = "web", "the /rights/ page"
        API = "api", "JSON API"
        DESK = "desk", "registered by the DPO (post, phone, mailbox)"
        CONSENT_PAGE = "consent_page", "withdrawal on the consent page"

    OPEN = (
        Status.RECEIVED,
        Status.PENDING,
        Status.APPROVED,
        Status.IN_PROCESSING,
        Status.REQUIRES_INPUT,
        Status.PAUSED,
        Status.ERROR,
    )

    reference = models.CharField(max_length=32, unique=True)
    right = models.CharField(max_length=16, choices=Right.choices)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    email = EncryptedCharField(max_length=254, null=True, blank=True)
    phone = EncryptedCharField(max_length=32, null=True, blank=True)
    details = EncryptedTextField(null=True, blank=True)
    email_index = models.CharField(max_length=64, blank=True, db_index=True)
    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    # The language the request was made in (the page's, the API's Accept-Language, or the
    # DPO's choice): the mails and the access report are written in it (Art. 12(1)).
    language = models.CharField(max_length=8, default="en")
    # The consent page's withdrawal carried over (consent.WithdrawalRequest), if any.
    withdrawal_request_id = models.BigIntegerField(null=True, blank=True, unique=True)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    due_at = models.DateTimeField(db_index=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    # Single use: the nonce in the emailed link; cleared when used.
    verify_nonce = models.CharField(max_length=32, blank=True)
    verification_sent_at = models.DateTimeField(null=True, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.CharField(max_length=64, blank=True)
    # Which identifier was proven: only that one is used to find the subject (Art. 12(6)).
    verified_via = models.CharField(max_length=8, blank=True)  # email | phone | consent
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.CharField(max_length=64, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    personal_data_cleared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        permissions = [("handle_rightsrequest", "Can handle rights requests on the desk")]

    def __str__(self) -> str:
        return f"rights request {self.reference} ({self.right}, {self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class Step(models.Model):
    """One thing to do for a request at one recipient, with its own state and retries."""

    class State(models.TextChoices):
        PENDING = "pending", "pending"
        DONE = "done", "done"
        RETRYING = "retrying", "retrying"
        FAILED = "failed", "failed"
        WAITING = "waiting", "waiting for a person"
        VENDOR_PENDING = "vendor_pending", "done later by the vendor"
        # Runs by itself once the steps it follows are done (Art. 19 after Art. 16).
        BLOCKED = "blocked", "waiting for an earlier step"

    RUNNABLE = (State.PENDING, State.RETRYING)
    # What a request may complete with: done, or explained by a person or by the vendor.
    SETTLED = (State.DONE, State.VENDOR_PENDING)

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=64)
    recipient = models.CharField(max_length=64, default="local")
    # Which item at the recipient (a booking uid, a Kommo contact id): one row per item.
    target = models.CharField(max_length=128, blank=True)
    stage = models.PositiveSmallIntegerField(default=1)
    state = models.CharField(
        max_length=16, choices=State.choices, default=State.PENDING, db_index=True
    )
    params = models.JSONField(default=dict, blank=True)
    receipt = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)  # the last error, or the instructions, in words
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # A worker holds a step until this moment; a dead worker's claim runs out.
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["stage", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "name", "recipient", "target"], name="rights_step_once"
            )
        ]

    def __str__(self) -> str:
        return f"step {self.name} at {self.recipient} of request {self.request_id} ({self.state})"


class Export(models.Model):
    """An access or portability ZIP, encrypted at rest, downloadable until it expires."""

    request = models.ForeignKey(RightsRequest, on_delete=models.CASCADE, related_name="exports")
    kind = models.CharField(max_length=16)  # access | portability
    content = models.BinaryField()  # Fernet token of the ZIP
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    downloads = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.kind} export {self.pk} of request {self.request_id}"


class ErasedSubject(models.Model):
    """The erasure ledger: blind indexes only, replayed after a backup restore (Art. 17)."""

    phone_index = models.CharField(max_length=64, blank=True, db_index=True)
    email_index = models.CharField(max_length=64, blank=True, db_index=True)
    request = models.ForeignKey(
        RightsRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="ledger"
    )
    erased_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"erased subject entry {self.pk}"
