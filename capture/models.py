"""Leads (policy §2: what the contact form collects); the person is a subjects.Subject."""

from django.db import models
from django.utils import timezone

from leadkeeper.crypto import EncryptedCharField, EncryptedTextField
from subjects.models import PersonalRecord


class Lead(PersonalRecord):
    """One request for a consultation, with the context it was made in."""

    class Channel(models.TextChoices):
        WEB_FORM = "web_form", "website form"
        API = "api", "JSON API"

    register_fields = {
        "name": "name",
        "phone": "phone",
        "email": "email",
        "message": "message",
        "ip_address": "network",
        "country": "network",
        "user_agent": "device",
        "browser": "device",
        "os": "device",
        "device_type": "device",
        "utm_source": "attribution",
        "utm_medium": "attribution",
        "utm_campaign": "attribution",
        "utm_term": "attribution",
        "utm_content": "attribution",
        "gclid": "attribution",
        "yclid": "attribution",
        "fbclid": "attribution",
        "referrer": "attribution",
        "landing_page": "attribution",
        "crm_status": "contract",
        "won_at": "contract",
        "contract_completed_at": "contract",
    }
    retention_rule = "contact"  # retention_from = last interaction
    # What a client's lead keeps once its contract period ends (retention anonymises the
    # rest): the conversion reports count won deals by day and channel.
    retention_keeps = ("created_at", "channel", "crm_status", "won_at", "contract_completed_at")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # Direct identifiers: encrypted at rest, found through blind indexes.
    name = EncryptedCharField(max_length=200)
    phone = EncryptedCharField(max_length=32)
    email = EncryptedCharField(max_length=254, null=True, blank=True)
    message = EncryptedTextField(null=True, blank=True)
    ip_address = EncryptedCharField(max_length=45, null=True, blank=True)
    # Indexed in Meta: a plain index, without the LIKE index db_index adds on PostgreSQL
    # (a blind index is only ever matched whole; issue 9).
    phone_index = models.CharField(max_length=64)
    email_index = models.CharField(max_length=64, blank=True)
    # Approximate geolocation and device (policy §2).
    country = models.CharField(max_length=2, blank=True)
    user_agent = models.CharField(max_length=512, blank=True)
    browser = models.CharField(max_length=64, blank=True)
    os = models.CharField(max_length=64, blank=True)
    device_type = models.CharField(max_length=16, blank=True)
    # Attribution (policy §2: UTM tags and referral source).
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    utm_term = models.CharField(max_length=200, blank=True)
    utm_content = models.CharField(max_length=200, blank=True)
    gclid = models.CharField(max_length=255, blank=True)
    yclid = models.CharField(max_length=255, blank=True)
    fbclid = models.CharField(max_length=255, blank=True)
    referrer = models.CharField(max_length=1000, blank=True)
    landing_page = models.CharField(max_length=1000, blank=True)
    # Kept in step with Kommo (crm app): status, ids, and the client/contract clocks.
    crm_status = models.CharField(max_length=64, blank=True)
    kommo_lead_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    kommo_contact_id = models.BigIntegerField(null=True, blank=True)
    won_at = models.DateTimeField(null=True, blank=True)
    contract_completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["utm_source", "utm_medium", "utm_campaign"]),
            models.Index(fields=["phone_index"], name="lead_phone_index_idx"),
            models.Index(fields=["email_index"], name="lead_email_index_idx"),
        ]

    def __str__(self) -> str:
        return f"lead {self.pk}"

    @property
    def source(self) -> str:
        """'google / cpc', 'referral: example.com' or 'direct': how sales sees the source."""
        if self.utm_source:
            return " / ".join(filter(None, [self.utm_source, self.utm_medium]))
        if self.gclid:
            return "google / cpc"
        if self.yclid:
            return "yandex / cpc"
        if self.fbclid:
            return "facebook / paid social"
        if self.referrer:
            from .attribution import referrer_host

            return f"referral: {referrer_host(self.referrer)}"
        return "direct"
