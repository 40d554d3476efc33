"""Bookings made through Cal.com (policy §6: Cal.com receives name and email), linked to leads."""

from django.db import models
from django.utils import timezone

from leadkeeper.crypto import EncryptedCharField
from subjects.models import PersonalRecord


class Booking(PersonalRecord):
    """One Cal.com booking, as its webhooks told us. A reschedule creates a new uid."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "scheduled"
        RESCHEDULED = "rescheduled", "rescheduled (replaced by a later booking)"
        CANCELLED = "cancelled", "cancelled"

    # Cal.com's default booking title is "<event type> between <host> and <attendee name>".
    register_fields = {"name": "name", "email": "email", "title": "name"}
    retention_rule = "contact"  # retention_from = the last interaction with the booking

    uid = models.CharField(max_length=128, unique=True)
    status = models.CharField(max_length=16, choices=Status.choices)
    title = EncryptedCharField(max_length=300, blank=True, null=True)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    # null: the encrypted field stores "" as NULL (an attendee without a name).
    name = EncryptedCharField(max_length=200, blank=True, null=True)
    email = EncryptedCharField(max_length=254)
    email_index = models.CharField(max_length=64, db_index=True)
    lead = models.ForeignKey(
        "capture.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="bookings"
    )
    rescheduled_from = models.CharField(max_length=128, blank=True)
    rescheduled_to = models.CharField(max_length=128, blank=True)
    # Cal.com's createdAt of the last event applied: an older event arriving late is ignored.
    last_event_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_time"]

    def __str__(self) -> str:
        return f"booking {self.pk} ({self.status})"


class WebhookDelivery(models.Model):
    """A verified Cal.com delivery we applied; its key makes replays harmless. No personal data."""

    key = models.CharField(max_length=64, unique=True)  # sha256 of trigger, uid, createdAt
    trigger_event = models.CharField(max_length=64)
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    outcome = models.CharField(max_length=32)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.trigger_event} delivery {self.pk} ({self.outcome})"
