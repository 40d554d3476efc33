"""/privacy/consent/ (the visitor's choices, one-click withdrawal) and /desk/consent/ (DPO)."""

import json
import uuid

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.reads import reason_required, record_read
from leadkeeper.context import request_context
from leadkeeper.csvexport import csv_response
from leadkeeper.jsonexport import json_response
from leadkeeper.roles import is_dpo
from leadkeeper.staff import role_required
from register.selectors import optional_consent_categories

from .errors import ConsentError, TooManyChoices
from .middleware import delete_ga_cookies
from .selectors import (
    EXPORT_FIELDS,
    consent_history,
    consent_history_matching,
    export_rows,
    form_consents,
    texts_of,
)
from .services import (
    check_consent_rate,
    record_banner_choice,
    resolve_banner_text,
    validate_choices,
    withdraw_category,
    withdraw_form_consent,
)
from .state import ConsentState, new_state, optional_category_ids, set_state_cookie

PAGE = "/privacy/consent/"
# What the desk shows of a person (audited per read); the rest is proof metadata.
PERSONAL_EXPORT_FIELDS = ("ip_address_truncated", "user_agent", "ga_client_ids", "lead_id")


def _safe_next(request: HttpRequest, default: str = PAGE) -> str:
    target = request.POST.get("next") or default
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ) and target.startswith("/"):
        return target
    return default


def _granted_from_post(request: HttpRequest, state: ConsentState) -> set[str] | None:
    choice = request.POST.get("choice", "")
    optional = optional_category_ids()
    category = request.POST.get("category", "")
    if choice == "accept_all":
        return set(optional)
    if choice == "reject_all":
        return set()
    if choice == "save":
        return {c for c in optional if request.POST.get(c)}
    if choice == "grant" and category in optional:
        return set(state.effective) | {category}
    return None


def _apply_choice(request: HttpRequest, state: ConsentState) -> HttpResponse:
    choice = request.POST.get("choice", "")
    context = request_context(request)
    check_consent_rate(context=context)
    if choice == "withdraw":
        result = withdraw_category(
            state=state,
            category=request.POST.get("category", ""),
            context=context,
            method="consent page: one-click withdrawal",
        )
    elif choice == "withdraw_form":
        withdraw_form_consent(
            consent_id=state.consent_id,
            record_id=int(request.POST.get("record", "0") or 0),
            context=context,
            method="consent page: one-click withdrawal",
        )
        return HttpResponseRedirect(f"{PAGE}?done=form")
    else:
        granted = _granted_from_post(request, state)
        if granted is None:
            raise ConsentError(f"unknown consent choice {choice!r}")
        validate_choices({c: True for c in granted})
        method = "booking click-to-load" if choice == "grant" else "banner without script"
        if request.POST.get("from") == "page":
            method = "consent page"
        result = record_banner_choice(
            state=state,
            granted=granted,
            context=context,
            method=method,
            text=resolve_banner_text(digest=request.POST.get("text_version")),
        )
    default = f"{PAGE}?done=saved" if request.POST.get("from") == "page" else PAGE
    response = HttpResponseRedirect(_safe_next(request, default))
    set_state_cookie(response, result.state)
    if "analytics" not in result.state.effective:
        delete_ga_cookies(request, response)
    return response


@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    state: ConsentState = request.consent or new_state()
    error, status = "", 200
    if request.method == "POST":
        try:
            return _apply_choice(request, state)
        except TooManyChoices:
            error, status = _("Too many choices from your network; try again in a minute."), 429
        except (ConsentError, ValueError) as problem:
            error, status = str(problem), 400
    language = get_language() or "en"
    categories = [
        {"category": c.localized(language), "granted": c.id in state.effective}
        for c in optional_consent_categories()
    ]
    response = render(
        request,
        "consent/preferences.html",
        {
            "state": state if request.consent else None,
            "categories": categories,
            "forms": form_consents(consent_id=state.consent_id) if request.consent else [],
            "history": consent_history(consent_id=state.consent_id) if request.consent else [],
            "done": request.GET.get("done", ""),
            "error": error,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@role_required(is_dpo)
@reason_required
def desk(request: HttpRequest) -> HttpResponse:
    # The page's form posts: an email or phone typed here stays out of URLs, browser
    # history and proxy logs. GET with ?q= still works for links by consent id.
    params = request.POST if request.method == "POST" else request.GET
    query = params.get("q", "").strip()
    export = params.get("format", "")
    history = consent_history_matching(query=query) if query else None
    if history is not None and history.found:
        record_read(
            request=request,
            action="consent.history.exported" if export else "consent.history.viewed",
            subject_ids=history.subject_ids,
            fields=PERSONAL_EXPORT_FIELDS,
            what="consent proof look-up by the DPO (GDPR Art. 7(1))",
            exported=export,
            data={"query_kind": history.query_kind, "records": len(history.records)},
        )
        if export == "csv":
            return _csv(history)
        if export == "json":
            return _json(history)
    response = render(
        request,
        "consent/desk.html",
        {"query": query, "history": history, "rows": export_rows(history) if history else []},
    )
    response["Cache-Control"] = "no-store"
    return response


def _filename(extension: str) -> str:
    return f"consent-history-{uuid.uuid4().hex[:8]}.{extension}"


def _csv(history) -> HttpResponse:
    def cells(row: dict) -> list:
        row = dict(row)
        row["categories"] = json.dumps(row["categories"], sort_keys=True)
        row["ga_client_ids"] = " ".join(row["ga_client_ids"])
        return [row.get(field) for field in EXPORT_FIELDS]

    # The User-Agent and IP come from the visitor: csv_response makes a formula inert.
    return csv_response(
        filename=_filename("csv"),
        header=EXPORT_FIELDS,
        rows=(cells(row) for row in export_rows(history)),
        private=True,
    )


def _json(history) -> HttpResponse:
    body = {
        "query_kind": history.query_kind,
        "consent_ids": [str(c) for c in history.consent_ids],
        "subject_ids": history.subject_ids,
        "records": export_rows(history),
        "texts": texts_of(history),
        "withdrawal_requests": [
            {
                "id": w.pk,
                "state": w.state,
                "created_at": w.created_at.isoformat(),
                "lead_id": w.lead_id,
                "record_id": w.record_id,
            }
            for w in history.withdrawals
        ],
    }
    # Visitor-controlled values (User-Agent) are made inert in the file (jsonexport).
    return json_response(filename=_filename("json"), body=body)
