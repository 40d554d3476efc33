from django.contrib import admin

from .models import ConsentRecord, ConsentText


@admin.register(ConsentText)
class ConsentTextAdmin(admin.ModelAdmin):
    list_display = ("digest_short", "kind", "language", "policy_version", "created_at")
    readonly_fields = ("digest", "kind", "language", "policy_version", "text", "created_at")

    @admin.display(description="digest")
    def digest_short(self, obj: ConsentText) -> str:
        return obj.digest[:12]


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
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
