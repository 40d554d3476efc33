from dataclasses import asdict, astuple
from dataclasses import fields as fields_of

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language

from leadkeeper.csvexport import csv_response
from leadkeeper.roles import is_dpo
from leadkeeper.staff import role_required

from .loader import get_register
from .schema import Register
from .selectors import (
    ProcessingRecord,
    current_policy_version,
    policy_version,
    policy_versions,
    previous_policy_version,
    records_of_processing,
)
from .versions import compare_policies


def _policy_context(version, *, current: bool, versions: list) -> dict:
    # The register holds the prose in both languages; the visitor reads theirs.
    content = Register.model_validate(version.content).localized(get_language() or "en")
    bases_used = [
        basis
        for basis in content.legal_bases
        if any(p.legal_basis == basis.id for p in content.purposes)
    ]
    purposes_by_basis = {
        basis.id: [p for p in content.purposes if p.legal_basis == basis.id] for basis in bases_used
    }
    return {
        "policy": content,
        "version": version,
        "is_current": current,
        "bases_used": bases_used,
        "purposes_by_basis": purposes_by_basis,
        "consent_titles": {c.id: c.title for c in content.consent_categories},
        "versions": versions,
    }


def _render_policy(request: HttpRequest, version, *, current: bool) -> HttpResponse:
    return render(
        request,
        "register/policy.html",
        _policy_context(version, current=current, versions=policy_versions()),
    )


def privacy_policy(request: HttpRequest) -> HttpResponse:
    return _render_policy(request, current_policy_version(), current=True)


def privacy_policy_version(request: HttpRequest, number: int) -> HttpResponse:
    """One published version, with what changed against the version before it."""
    version = policy_version(number)
    if version is None:
        raise Http404(f"privacy policy version {number} was never published")
    current = current_policy_version()
    context = _policy_context(version, current=version.pk == current.pk, versions=policy_versions())
    previous = previous_policy_version(number)
    if previous is not None:
        # Both sides rendered in the reader's language, without the version list.
        def text(v) -> str:
            ctx = _policy_context(v, current=False, versions=[])
            return render_to_string("register/policy.html", ctx, request)

        context["previous"] = previous
        context["changes"] = compare_policies(before=text(previous), after=text(version))
        context["asked_again"] = previous.consent_digest != version.consent_digest
    return render(request, "register/policy.html", context)


@role_required(is_dpo)
def desk(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "register/desk.html",
        {"records_url": reverse("register:records"), "policy_url": reverse("register:policy")},
    )


@role_required(is_dpo)
def records(request: HttpRequest) -> HttpResponse:
    """GDPR Art. 30 records of processing, from the register, as a page, CSV or JSON."""
    register = get_register()
    if not request.GET.get("format"):
        # Exports stay in the register's own (English) words; the page reads the DPO's.
        register = register.localized(get_language() or "en")
    rows = records_of_processing(register)
    version = current_policy_version()
    export = request.GET.get("format", "")
    filename = f"records-of-processing-v{version.number}"
    if export == "json":
        payload = {
            "controller": register.controller.model_dump(),
            "policy_version": version.number,
            "security_measures": register.policy.security_measures,
            "records": [asdict(row) for row in rows],
            "promises": [p.model_dump() for p in register.promises],
        }
        response = JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    if export == "csv":
        fields = [f.name for f in fields_of(ProcessingRecord)]
        return csv_response(
            filename=f"{filename}.csv",
            header=fields,
            rows=(
                ["; ".join(v) if isinstance(v, list) else v for v in astuple(row)] for row in rows
            ),
        )
    return render(
        request,
        "register/records.html",
        {
            "records": rows,
            "version": version,
            "controller": register.controller,
            "security_measures": register.policy.security_measures,
            "promises": register.promises,
        },
    )
