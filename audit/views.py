"""The reason form (once per session) and the DPO's audit trail of one subject."""

from django import forms
from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from leadkeeper.roles import is_dpo

from .reads import read_reason, set_read_reason
from .selectors import events_for_subject


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to see personal data in this session?",
        min_length=5,
        max_length=200,
        help_text="For example: answering lead 42's call-back request; rights request R-7.",
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/admin/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/admin/"


@login_required
def reason(request: HttpRequest) -> HttpResponse:
    form = ReasonForm(request.POST or None, initial={"reason": read_reason(request)})
    if request.method == "POST" and form.is_valid():
        set_read_reason(request, form.cleaned_data["reason"].strip())
        return HttpResponseRedirect(_next(request))
    return render(request, "audit/reason.html", {"form": form, "next": _next(request)})


@login_required
@user_passes_test(is_dpo)
def subject_trail(request: HttpRequest) -> HttpResponse:
    """Every audit event about one subject, newest first (who read or changed what, why)."""
    raw = request.GET.get("subject", "").strip()
    subject_id = int(raw) if raw.isdigit() else None
    events = events_for_subject(subject_id=subject_id) if subject_id is not None else []
    response = render(
        request, "audit/subject_trail.html", {"subject_id": subject_id, "events": events}
    )
    response["Cache-Control"] = "no-store"
    return response
