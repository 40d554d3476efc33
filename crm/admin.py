"""The back office for delivery: each lead's state and Kommo id, dead letters, the pause."""

from django.contrib import admin, messages
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from capture.models import Lead

from .models import KommoEvent, KommoInbox, KommoState, OutboxMessage
from .pacing import kommo_state
from .selectors import kommo_configured, kommo_connection
from .services import resume_kommo_delivery, retry_messages
from .webhook_inbox import retry_webhooks


def _connection_messages(request: HttpRequest) -> None:
    if not kommo_configured():
        messages.warning(
            request,
            "Kommo not configured: leads wait here until KOMMO_BASE_URL and "
            "KOMMO_ACCESS_TOKEN are set. Nothing is lost.",
        )
        return
    state = kommo_connection()
    if state and state.paused_at:
        messages.error(
            request,
            format_html(
                "Kommo delivery is paused since {} because Kommo refused our token: {}. "
                "Renew KOMMO_ACCESS_TOKEN (delivery resumes by itself) or fix the "
                "integration's rights in Kommo and <a href='{}'>resume delivery</a>.",
                f"{state.paused_at:%Y-%m-%d %H:%M} UTC",
                state.pause_reason,
                reverse("admin:crm_kommostate_changelist"),
            ),
        )


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "lead_link",
        "state",
        "kommo_lead",
        "attempts",
        "next_attempt_at",
        "short_error",
        "delivered_at",
    )
    list_filter = ("state", "kind")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields] + ["lead_link", "kommo_lead"]
    actions = ["retry_now"]
    search_fields = ("=ref",)
    search_help_text = "Search by lead number."

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # the outbox is the proof a lead was (or was not) delivered

    @admin.display(description="lead")
    def lead_link(self, obj: OutboxMessage):
        url = reverse("admin:capture_lead_change", args=[obj.ref])
        return format_html("<a href='{}'>lead #{}</a>", url, obj.ref)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        kommo_id = Lead.objects.filter(pk=OuterRef("ref")).values("kommo_lead_id")[:1]
        return super().get_queryset(request).annotate(kommo_lead_id=Subquery(kommo_id))

    @admin.display(description="Kommo lead id")
    def kommo_lead(self, obj: OutboxMessage):
        if obj.kind != OutboxMessage.Kind.CRM_LEAD:
            return "—"
        return getattr(obj, "kommo_lead_id", None) or "—"

    @admin.display(description="last error")
    def short_error(self, obj: OutboxMessage) -> str:
        return obj.last_error[:160]

    @admin.action(description="Retry now (after fixing the cause)", permissions=["change"])
    def retry_now(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = retry_messages(message_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} message(s) will be delivered again now.")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        # Rows are read-only on their page; "change" is what the retry action needs.
        return obj is None and super().has_change_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        _connection_messages(request)
        return super().changelist_view(request, extra_context)


@admin.register(KommoState)
class KommoStateAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "paused_at",
        "pause_reason",
        "blocked_until",
        "consecutive_failures",
        "last_success_at",
    )
    readonly_fields = [f.name for f in KommoState._meta.fields]
    actions = ["resume"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.action(description="Resume Kommo delivery", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet) -> None:
        resume_kommo_delivery()
        self.message_user(request, "Kommo delivery resumed.")

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def changelist_view(self, request, extra_context=None):
        kommo_state()  # the one row exists, so staff can select it
        _connection_messages(request)
        return super().changelist_view(request, extra_context)


@admin.register(KommoEvent)
class KommoEventAdmin(admin.ModelAdmin):
    list_display = ("received_at", "source", "entity", "action", "kommo_id", "status_id", "outcome")
    list_filter = ("source", "outcome", "entity")
    readonly_fields = [f.name for f in KommoEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(KommoInbox)
class KommoInboxAdmin(admin.ModelAdmin):
    """Webhooks waiting to be applied, and those that could not be, with the reason."""

    list_display = ("id", "received_at", "state", "attempts", "error")
    list_filter = ("state",)
    # The body may name a person (Kommo sends lead fields): shown to staff only, never
    # logged; editing it would forge what Kommo said.
    readonly_fields = ("body_text", "encoding", "received_at", "state", "attempts", "error")
    exclude = ("body", "claimed_until")
    actions = ["retry"]

    @admin.display(description="body")
    def body_text(self, obj: KommoInbox) -> str:
        return bytes(obj.body).decode(obj.encoding, errors="replace")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Apply again (the cause is fixed)")
    def retry(self, request: HttpRequest, queryset: QuerySet) -> None:
        count = retry_webhooks(inbox_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} webhooks will be applied again.")
