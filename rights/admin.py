"""Read-only views of the rights desk's records; the desk (/desk/rights/) is where staff act."""

from django.contrib import admin

from .models import ErasedSubject, RightsRequest, Step


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    can_delete = False
    fields = ("name", "recipient", "target", "state", "attempts", "next_attempt_at", "message")
    readonly_fields = fields


@admin.register(RightsRequest)
class RightsRequestAdmin(_ReadOnly):
    list_display = ("reference", "right", "status", "channel", "received_at", "due_at")
    list_filter = ("right", "status", "channel")
    search_fields = ("reference",)
    exclude = ("email", "phone", "details", "verify_nonce")
    inlines = [StepInline]


@admin.register(ErasedSubject)
class ErasedSubjectAdmin(_ReadOnly):
    list_display = ("id", "request", "erased_at")
