from django.contrib import admin

from .models import LegalHold, RecipientAction, RetentionRun
from .services.recipients import retry_recipient_actions, settle_recipient_action


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
    list_display = (
        "id",
        "recipient",
        "action",
        "target_key",
        "rule",
        "state",
        "attempts",
        "created_at",
    )
    list_filter = ("recipient", "state")
    readonly_fields = [f.name for f in RecipientAction._meta.fields]
    actions = ["mark_done", "retry"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Mark done at the recipient (a person did it)")
    def mark_done(self, request, queryset) -> None:
        receipt = {"by": f"staff:{request.user.pk}", "manual": True}
        done = sum(
            settle_recipient_action(action_id=pk, receipt=receipt, actor=f"user:{request.user.pk}")
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, f"{done} action(s) marked done")

    @admin.action(description="Retry (the cause is fixed)")
    def retry(self, request, queryset) -> None:
        count = retry_recipient_actions(action_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{count} action(s) will be tried again")
