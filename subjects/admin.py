from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from audit.admin_reads import AuditedReadsMixin
from leadkeeper.roles import is_dpo

from .errors import SubjectsNotMergeable
from .models import Subject
from .services import keep_subjects_apart, merge_subjects


def _actor(request: HttpRequest) -> str:
    return f"staff:{request.user.pk}"


@admin.register(Subject)
class SubjectAdmin(AuditedReadsMixin, admin.ModelAdmin):
    """The DPO resolves possible duplicates (issue 15): merge two subjects, or keep them apart."""

    list_display = (
        "id",
        "created_at",
        "last_interaction_at",
        "possible_duplicate_of",
        "restricted_at",
        "erased_at",
    )
    list_filter = (("possible_duplicate_of", admin.EmptyFieldListFilter),)
    readonly_fields = ("phone_index", "email_index", "created_at", "possible_duplicate_of")
    actions = ("merge_two", "keep_apart")

    def has_dpo_permission(self, request: HttpRequest) -> bool:
        return is_dpo(request.user)

    @admin.action(permissions=["dpo"], description="Merge the two selected subjects into the older")
    def merge_two(self, request: HttpRequest, queryset: QuerySet[Subject]) -> None:
        pair = list(queryset.order_by("pk")[:3])
        if len(pair) != 2:
            self.message_user(request, "Select exactly two subjects to merge.", messages.ERROR)
            return
        keep, merge = pair
        try:
            merge_subjects(keep=keep, merge=merge, actor=_actor(request))
        except SubjectsNotMergeable as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        self.message_user(request, f"Subject {merge.pk} merged into subject {keep.pk}.")

    @admin.action(permissions=["dpo"], description="Keep apart: clear the possible-duplicate mark")
    def keep_apart(self, request: HttpRequest, queryset: QuerySet[Subject]) -> None:
        cleared = [s.pk for s in queryset if keep_subjects_apart(subject=s, actor=_actor(request))]
        self.message_user(request, f"Marks cleared on {len(cleared)} subject(s).")
