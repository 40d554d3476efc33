from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.admin_reads import AuditedReadsMixin
from consent.selectors import form_granted_at_subquery, form_withdrawn_at_subquery
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
        "short_name",
        "phone",
        "source",
        "country",
        "device_type",
        "consent_state",
        "delivery",
        "crm_status",
    )
    list_filter = ("channel", "device_type", "utm_source", "crm_status")
    search_fields = ("id",)  # replaced by get_search_results: exact phone/email via blind index
    search_help_text = _("Search by exact phone number or email address.")
    readonly_fields = (
        "subject",
        "created_at",
        "channel",
        "phone_index",
        "email_index",
        "kommo_lead_id",
        "kommo_contact_id",
        "consent_state",
        "consent_proof",
        "delivery",
    )
    fieldsets = (
        (
            None,
            {"fields": ("subject", "created_at", "channel", "name", "phone", "email", "message")},
        ),
        (
            _("Source"),
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
            _("Request context"),
            {"fields": ("ip_address", "country", "user_agent", "browser", "os", "device_type")},
        ),
        (
            _("Consent and delivery"),
            {
                "fields": (
                    "consent_state",
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
        return (
            super()
            .get_queryset(request)
            .select_related("subject")
            .annotate(
                delivery_state=delivery_state_subquery(),
                consent_granted_at=form_granted_at_subquery(),
                consent_withdrawn_at=form_withdrawn_at_subquery(),
            )
        )

    @admin.display(description=_("Name"), ordering="id")
    def short_name(self, lead: Lead) -> str:
        # A 200-character name must not stretch the list past the screen.
        name = lead.name or ""
        return name if len(name) <= 40 else name[:39] + "…"

    short_name.shows_field = "name"  # audited reads record the personal field shown

    @admin.display(description=_("Consent"))
    def consent_state(self, lead: Lead) -> str:
        """Given, withdrawn or restricted, with when: sales must see a withdrawal (Art. 7(3))
        or a restriction (Art. 18) before calling, so those two read in red."""
        withdrawn = getattr(lead, "consent_withdrawn_at", None)
        restricted = lead.subject.restricted_at if lead.subject_id else None
        if withdrawn or restricted:
            text = (
                gettext("withdrawn on %(when)s") % {"when": _when(withdrawn)}
                if withdrawn
                else gettext("processing restricted since %(when)s") % {"when": _when(restricted)}
            )
            return format_html('<strong class="lk-stop">{}</strong>', text)
        granted = getattr(lead, "consent_granted_at", None)
        if granted:
            return gettext("given on %(when)s") % {"when": _when(granted)}
        return gettext("no consent record")

    @admin.display(description=_("Kommo delivery"))
    def delivery(self, lead: Lead) -> str:
        state = getattr(lead, "delivery_state", None)
        if state is None:
            return "—"
        label = str(OutboxMessage.State(state).label)
        if state == OutboxMessage.State.PENDING and getattr(lead, "consent_withdrawn_at", None):
            label = gettext("not to be sent: consent withdrawn")
        return label + (f" (Kommo #{lead.kommo_lead_id})" if lead.kommo_lead_id else "")

    @admin.display(description=_("Consent proof"))
    def consent_proof(self, lead: Lead) -> str:
        records = lead.consents.order_by("created_at")
        if not records:
            return gettext("none")
        return "; ".join(
            gettext("%(action)s %(when)s UTC, policy v%(version)s, text %(digest)s, %(method)s")
            % {
                "action": r.get_action_display(),
                "when": _when(r.created_at),
                "version": r.policy_version,
                "digest": r.text.digest[:10],
                "method": r.method,
            }
            for r in records
        )


def _when(moment) -> str:
    return formats.date_format(moment, "DATETIME_FORMAT") if moment else "—"
