from django.contrib import admin

from .models import LegalHold, RecipientAction, RetentionRun


@admin.register(LegalHold)
class LegalHoldAdmin(admin.ModelAdmin):
    """The DPO places or releases a hold; the sweep skips held subjects and says so."""

    list_display = ("id", "subject", "reason", "created_at", "until", "released_at")
    raw_id_fields = ("subject",)
    readonly_fields = ("created_by", "created_at")

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = f"staff:{request.user.pk}"
        super().save_model(request, obj, form, change)


@admin.register(RetentionRun)
class RetentionRunAdmin(admin.ModelAdmin):
    list_display = ("id", "started_at", "state", "trigger", "dry_run", "duration_ms")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(RecipientAction)
class RecipientActionAdmin(admin.ModelAdmin):
    list_display = ("id", "recipient", "action", "target_key", "rule", "state", "created_at")
    list_filter = ("recipient", "state")

    def has_add_permission(self, request) -> bool:
        return False
