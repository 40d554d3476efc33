from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest

from audit.admin_reads import AuditedReadsMixin
from crm.models import OutboxMessage
from crm.selectors import delivery_state_subquery

from .models import Lead
from .selectors import leads_matching


@admin.register(Lead)
class LeadAdmin(AuditedReadsMixin, admin.ModelAdmin):
    """Sales sees leads with source, consent and delivery; search is by exact phone or email."""

    list_display = (
        "id",
        "created_at",
        "name",
        "phone",
        "source",
        "country",
        "device_type",
        "delivery",
        "crm_status",
    )
    list_filter = ("channel", "device_type", "utm_source", "crm_status")
    search_fields = ("id",)  # replaced by get_search_results: exact phone/email via blind index
    search_help_text = "Search by exact phone number or email address."
    readonly_fields = (
        "subject",
        "created_at",
        "channel",
        "phone_index",
        "email_index",
        "kommo_lead_id",
        "kommo_contact_id",
        "consent_proof",
        "delivery",
    )
    fieldsets = (
        (
            None,
            {"fields": ("subject", "created_at", "channel", "name", "phone", "email", "message")},
        ),
        (
            "Source",
            {
                "fields": (
                    "utm_source",
                    "utm_medium",
                    "utm_campaign",
                    "utm_term",
                    "utm_content",
                    "gclid",
                    "yclid",
                    "fbclid",
                    "referrer",
                    "landing_page",
                )
            },
        ),
        (
            "Request context",
            {"fields": ("ip_address", "country", "user_agent", "browser", "os", "device_type")},
        ),
        (
            "Consent and delivery",
            {
                "fields": (
                    "consent_proof",
                    "delivery",
                    "kommo_lead_id",
                    "kommo_contact_id",
                    "crm_status",
                    "won_at",
                    "contract_completed_at",
                )
            },
        ),
    )

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        if not search_term:
            return queryset, False
        matches = leads_matching(phone_or_email=search_term, region=settings.DEFAULT_PHONE_REGION)
        return queryset.filter(pk__in=matches.values("pk")), False

    def get_queryset(self, request: HttpRequest):
        return super().get_queryset(request).annotate(delivery_state=delivery_state_subquery())

    @admin.display(description="Kommo delivery")
    def delivery(self, lead: Lead) -> str:
        state = getattr(lead, "delivery_state", None)
        if state is None:
            return "—"
        label = OutboxMessage.State(state).label
        return label + (f" (Kommo #{lead.kommo_lead_id})" if lead.kommo_lead_id else "")

    @admin.display(description="Consent proof")
    def consent_proof(self, lead: Lead) -> str:
        record = lead.consents.order_by("created_at").first()
        if record is None:
            return "none"
        return (
            f"{record.get_action_display()} {record.created_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"policy v{record.policy_version}, text {record.text.digest[:10]}, {record.method}"
        )
