"""Consent as proof (GDPR Art. 7(1)): who consented, when, to which text, and how."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from subjects.models import PersonalRecord


class ConsentText(models.Model):
    """The exact wording a person agreed to, kept for as long as any record points at it."""

    digest = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16)  # "form" or "banner"
    language = models.CharField(max_length=8)
    policy_version = models.PositiveIntegerField()
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.kind} consent text {self.digest[:10]} (policy v{self.policy_version})"


class ConsentRecord(PersonalRecord):
    """One consent event: a grant, refusal, change or withdrawal. Append-only."""

    class Kind(models.TextChoices):
        FORM = "form", _("contact form")
        BANNER = "banner", _("cookie banner")

    class Action(models.TextChoices):
        GRANT = "grant", _("granted")
        REFUSE = "refuse", _("refused")
        CHANGE = "change", _("changed")
        WITHDRAW = "withdraw", _("withdrawn")

    register_fields = {
        "ip_address": "network",
        "user_agent": "device",
        "categories": "consent_proof",
    }
    retention_rule = "consent_proof"  # accountability, Art. 5(2) (register.toml)

    consent_id = models.UUIDField(db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    action = models.CharField(max_length=16, choices=Action.choices)
    categories = models.JSONField(default=dict)  # {"contact_form": true} or banner categories
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="records")
    policy_version = models.PositiveIntegerField()
    method = models.CharField(max_length=64)  # e.g. "web form checkbox", "api: consent=true"
    # Truncated IP (the last octet / 80 bits zeroed): proof without a full address.
    ip_address = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    lead = models.ForeignKey(
        "capture.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="consents"
    )
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} consent {self.action} ({self.created_at:%Y-%m-%d %H:%M})"


class AnalyticsClientId(PersonalRecord):
    """A Google Analytics client id seen under an analytics consent (policy §6).

    Kept so that a later erasure can ask Google to delete that user (GA4 User Deletion API),
    even after the visitor withdrew and the `_ga` cookie is gone.
    """

    register_fields = {"client_id": "cookies"}
    retention_rule = "analytics"

    consent_id = models.UUIDField(db_index=True)
    client_id = models.CharField(max_length=64)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consent_id", "client_id"], name="ga_client_once")
        ]

    def __str__(self) -> str:
        return f"GA client id for consent {self.consent_id}"


class WithdrawalRequest(models.Model):
    """A visitor withdrew the contact form's consent: the rights desk must stop processing.

    Opened here (GDPR Art. 7(3)); the rights desk picks it up, stops processing based on that
    consent and erases or restricts what no other legal basis covers.
    """

    class State(models.TextChoices):
        OPEN = "open", _("open")
        DONE = "done", _("done")

    subject = models.ForeignKey(
        "subjects.Subject",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_withdrawal_requests",
    )
    lead = models.ForeignKey(
        "capture.Lead",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consent_withdrawal_requests",
    )
    # SET_NULL: an erasure of the subject removes the record; the request stays closed.
    record = models.OneToOneField(
        ConsentRecord,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="withdrawal_request",
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"consent withdrawal request {self.pk} ({self.state})"
