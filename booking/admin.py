from django.contrib import admin

from audit.admin_reads import AuditedReadsMixin

from .models import Booking, WebhookDelivery


@admin.register(Booking)
class BookingAdmin(AuditedReadsMixin, admin.ModelAdmin):
    list_display = ("uid", "status", "start_time", "lead_id", "subject_id", "updated_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Booking._meta.fields]
    exclude = ("email_index",)

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("received_at", "trigger_event", "outcome", "booking_id")
    list_filter = ("trigger_event", "outcome")
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False
