"""Public pages: /rights/ (intake), /rights/verify/<token>/ (confirm), /rights/download/."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from leadkeeper.context import request_context

from .errors import LinkExpired, LinkInvalid, LinkUsed, RequestRejected, TooManyRequests
from .forms import RightsRequestForm
from .models import RightsRequest
from .services.downloads import open_download
from .services.intake import check_request_rate, submit_request, validate_request
from .services.verification import confirm_link, request_for_link


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token must not leak to another site
    return response


@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    form = RightsRequestForm(request.POST or None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        try:
            data = validate_request(
                **{
                    k: form.cleaned_data.get(k) or ""
                    for k in ("right", "email", "phone", "details")
                }
            )
            check_request_rate(ip=request_context(request).ip, data=data)
        except RequestRejected as error:
            errors = error.errors
        except TooManyRequests:
            return render(
                request, "rights/intake.html", {"form": form, "throttled": True}, status=429
            )
        else:
            created = submit_request(
                data=data, channel=RightsRequest.Channel.WEB, language=get_language() or "en"
            )
            return _no_store(
                render(
                    request,
                    "rights/received.html",
                    {"reference": created.reference, "by_email": bool(data.email)},
                    status=202,
                )
            )
    status = 422 if request.method == "POST" else 200
    return render(request, "rights/intake.html", {"form": form, "errors": errors}, status=status)


def _link_problem(request: HttpRequest, error: LinkInvalid) -> HttpResponse:
    """A clear page for each way a link can fail; 400 forged, 410 expired or used."""
    if isinstance(error, LinkExpired):
        problem, status = "expired", 410
    elif isinstance(error, LinkUsed):
        problem, status = "used", 410
    else:
        problem, status = "forged", 400
    page = render(request, "rights/link_problem.html", {"problem": problem}, status=status)
    return _no_store(page)


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what will be confirmed (mail scanners open links); only POST acts."""
    try:
        if request.method == "POST":
            confirmed = confirm_link(token=token)
            return _no_store(render(request, "rights/verified.html", {"r": confirmed}))
        pending = request_for_link(token=token)
    except LinkInvalid as error:
        return _link_problem(request, error)
    return _no_store(render(request, "rights/verify.html", {"r": pending}))


@require_GET
def download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = open_download(token=token)
    except LinkInvalid as error:
        return _link_problem(request, error)
    response = HttpResponse(found.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{found.filename}"'
    return _no_store(response)
