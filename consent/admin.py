from django.contrib import admin

from audit.admin_reads import AuditedReadsMixin

from .models import AnalyticsClientId, ConsentRecord, ConsentText, WithdrawalRequest


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ("digest_short", "kind", "language", "policy_version", "created_at")
    readonly_fields = ("digest", "kind", "language", "policy_version", "text", "created_at")

    @admin.display(description="digest")
    def digest_short(self, obj: ConsentText) -> str:
        return obj.digest[:12]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(AuditedReadsMixin, admin.ModelAdmin):
    list_display = (
        "created_at",
        "kind",
        "action",
        "policy_version",
        "method",
        "subject_id",
        "lead_id",
    )
    list_filter = ("kind", "action", "policy_version")
    readonly_fields = [f.name for f in ConsentRecord._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WithdrawalRequest)
class WithdrawalRequestAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "state", "subject_id", "lead_id", "closed_at")
    list_filter = ("state",)
    readonly_fields = ("subject", "lead", "record", "created_at")


@admin.register(AnalyticsClientId)
class AnalyticsClientIdAdmin(AuditedReadsMixin, admin.ModelAdmin):
    list_display = ("client_id", "consent_id", "first_seen_at", "last_seen_at", "subject_id")
    readonly_fields = [f.name for f in AnalyticsClientId._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
