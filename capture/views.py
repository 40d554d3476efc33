import logging

from django.conf import settings
from django.core import signing
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from consent.texts import form_consent_text
from leadkeeper.context import request_context

from .errors import RateLimited
from .forms import WebLeadForm, sign_render_time
from .models import Lead
from .selectors import lead_for_thanks
from .services import LeadData, capture_lead, check_turnstile

logger = logging.getLogger(__name__)

_THANKS_SALT = "capture.thanks"
_THANKS_MAX_AGE = 3600


def _landing(
    request: HttpRequest, form: WebLeadForm, *, status: int = 200, notice: str = ""
) -> HttpResponse:
    return render(
        request,
        "capture/landing.html",
        {
            "form": form,
            "consent_text": form_consent_text(),
            "notice": notice,
            "turnstile_site_key": settings.TURNSTILE_SITE_KEY,
        },
        status=status,
    )


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return _landing(request, WebLeadForm(initial={"rendered_at": sign_render_time()}))


@require_POST
def contact(request: HttpRequest) -> HttpResponse:
    context = request_context(request)
    form = WebLeadForm(data=request.POST)
    if form.looks_automated():
        # Naive bots get the thank-you page and we store nothing; people never hit this.
        logger.info("capture.lead.bot_trap")
        return redirect("capture:thanks")
    if form.is_valid() and not check_turnstile(
        token=request.POST.get("cf-turnstile-response", ""), context=context
    ):
        form.add_error(None, _("Please complete the anti-spam check and send the form again."))
    if not form.is_valid():
        form.data = form.data.copy()
        form.data["rendered_at"] = sign_render_time()
        return _landing(request, form, status=422)
    try:
        lead = capture_lead(
            data=LeadData.from_form(form), context=context, channel=Lead.Channel.WEB_FORM
        )
    except RateLimited:
        # Counted inside the lead's transaction (capture_lead): a refused lead stores nothing.
        return _landing(
            request,
            form,
            status=429,
            notice=_("Too many requests from your network. Please wait a minute and try again."),
        )
    except DatabaseError:
        logger.exception("capture.lead.store_failed")
        return _landing(
            request,
            form,
            status=503,
            notice=_(
                "We could not save your request just now. Nothing was stored; "
                "please try again in a moment."
            ),
        )
    token = signing.dumps(lead.pk, salt=_THANKS_SALT)
    return redirect(f"/thanks/?t={token}")


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    lead = None
    token = request.GET.get("t", "")
    if token:
        try:
            lead_id = signing.loads(token, salt=_THANKS_SALT, max_age=_THANKS_MAX_AGE)
            lead = lead_for_thanks(lead_id=int(lead_id))
        except (signing.BadSignature, ValueError, TypeError):
            lead = None
    response = render(request, "capture/thanks.html", {"lead": lead})
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
