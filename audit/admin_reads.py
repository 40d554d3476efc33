"""The admin side of audited reads: a mixin for any ModelAdmin of a PersonalRecord."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from .reads import read_reason, reason_url, record_read


def _subject_of(obj: object) -> int | None:
    if hasattr(obj, "subject_id"):
        return obj.subject_id
    return obj.pk  # a Subject row is its own subject


class AuditedReadsMixin:
    """Asks for the session's reason first, then records which subjects and fields a list or
    a detail page showed. Fields: the model's `register_fields` that the page displays."""

    def _personal(self, names: object) -> list[str]:
        declared = getattr(self.model, "register_fields", {})
        shown = []
        for name in names:
            if not isinstance(name, str):
                continue
            # A display method names the field it shows (`short_name.shows_field = "name"`).
            field = getattr(getattr(self, name, None), "shows_field", name)
            if field in declared or field.endswith("_index"):
                shown.append(field)
        return shown

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # Permission first: a user who may not see the page gets 403, not the reason form.
        if self.has_view_or_change_permission(request) and not read_reason(request):
            return HttpResponseRedirect(reason_url(request))
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None and changelist.result_list:
            record_read(
                request=request,
                subject_ids=[_subject_of(o) for o in changelist.result_list],
                fields=self._personal(self.get_list_display(request)),
                what=f"admin list of {self.model._meta.verbose_name_plural}",
                data={"object_type": self.model._meta.label_lower},
            )
        return response

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url="", extra_context=None
    ) -> HttpResponse:
        if (
            object_id is not None
            and self.has_view_or_change_permission(request)
            and not read_reason(request)
        ):
            return HttpResponseRedirect(reason_url(request))
        response = super().changeform_view(request, object_id, form_url, extra_context)
        original = getattr(response, "context_data", {}).get("original")
        if object_id is not None and original is not None:
            record_read(
                request=request,
                subject_ids=[_subject_of(original)],
                fields=self._personal(self.get_fields(request, original)),
                what=f"admin detail of {self.model._meta.verbose_name}",
                data={"object_type": self.model._meta.label_lower, "object_id": original.pk},
            )
        return response
