from django.contrib import admin

from .models import Subject


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("id", "created_at", "last_interaction_at", "restricted_at", "erased_at")
    readonly_fields = ("phone_index", "email_index", "created_at")
