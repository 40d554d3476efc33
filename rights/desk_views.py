"""/desk/rights/: the DPO's list by days left, each request's steps, and its actions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, user_passes_test
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import record_event
from leadkeeper.roles import is_dpo

from .errors import DeskActionRefused, RequestRejected
from .forms import DeskRequestForm
from .models import RightsRequest, Step
from .selectors import open_requests, recently_closed, request_steps
from .services.desk import (
    apply_rectification,
    extend_request,
    pause_request,
    resolve_step,
    resume_request,
)
from .services.intake import register_desk_request, validate_request
from .services.runner import retry_step
from .services.verification import approve_request, mark_phone_verified


def _actor(request: HttpRequest) -> str:
    return f"staff:{request.user.pk}"


def dpo_only(view):
    return login_required(user_passes_test(is_dpo)(view))


@require_http_methods(["GET", "POST"])
@dpo_only
def desk(request: HttpRequest) -> HttpResponse:
    """The list, and the form for a request that came by post, phone or mailbox."""
    form = DeskRequestForm(request.POST or None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        try:
            data = validate_request(
                **{
                    k: form.cleaned_data.get(k) or ""
                    for k in ("right", "email", "phone", "details")
                }
            )
        except RequestRejected as error:
            errors = error.errors
        else:
            created = register_desk_request(
                data=data, actor=_actor(request), language=form.cleaned_data.get("language") or "en"
            )
            messages.success(request, f"Registered {created.reference}.")
            return HttpResponseRedirect(reverse("rights:desk_detail", args=[created.pk]))
    response = render(
        request,
        "rights/desk/list.html",
        {
            "rows": open_requests(),
            "closed": recently_closed(),
            "form": form,
            "errors": errors,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET"])
@dpo_only
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    rights_request = get_object_or_404(RightsRequest, pk=pk)
    record_event(
        actor=_actor(request),
        action="rights.request.viewed",
        obj=rights_request,
        reason="the DPO handles a rights request (policy §7)",
    )
    response = render(
        request,
        "rights/desk/detail.html",
        {
            "r": rights_request,
            "steps": request_steps(request=rights_request),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


ACTIONS = {
    "approve": lambda req, r, post: approve_request(request_id=r.pk, actor=_actor(req)),
    "phone_verified": lambda req, r, post: mark_phone_verified(request_id=r.pk, actor=_actor(req)),
    "pause": lambda req, r, post: pause_request(request_id=r.pk, actor=_actor(req)),
    "resume": lambda req, r, post: resume_request(request_id=r.pk, actor=_actor(req)),
    "extend": lambda req, r, post: extend_request(
        request_id=r.pk,
        months=int(post.get("months") or 0),
        reasons=post.get("reasons", ""),
        actor=_actor(req),
    ),
}


@require_POST
@dpo_only
def act(request: HttpRequest, pk: int) -> HttpResponse:
    rights_request = get_object_or_404(RightsRequest, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action in ACTIONS:
            ACTIONS[action](request, rights_request, request.POST)
        elif action in ("retry", "resolve", "rectify"):
            step = get_object_or_404(Step, pk=request.POST.get("step"), request=rights_request)
            if action == "retry":
                retry_step(step_id=step.pk, actor=_actor(request))
            elif action == "rectify":
                apply_rectification(
                    step_id=step.pk,
                    **{k: request.POST.get(k, "") for k in ("name", "phone", "email")},
                    actor=_actor(request),
                )
            else:
                resolve_step(
                    step_id=step.pk, note=request.POST.get("note", ""), actor=_actor(request)
                )
        else:
            raise DeskActionRefused(f"unknown action {action[:32]!r}")
        messages.success(request, f"{action.replace('_', ' ')}: done.")
    except (DeskActionRefused, ValueError) as error:
        messages.error(request, str(error))
    return HttpResponseRedirect(reverse("rights:desk_detail", args=[pk]))
