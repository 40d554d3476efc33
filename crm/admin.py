from django.contrib import admin

from .models import OutboxMessage
from .selectors import kommo_configured


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "ref", "state", "attempts", "next_attempt_at", "delivered_at")
    list_filter = ("state", "kind")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def changelist_view(self, request, extra_context=None):
        if not kommo_configured():
            from django.contrib import messages

            messages.warning(
                request,
                "Kommo not configured: leads wait here until KOMMO_BASE_URL and "
                "KOMMO_ACCESS_TOKEN are set. Nothing is lost.",
            )
        return super().changelist_view(request, extra_context)
