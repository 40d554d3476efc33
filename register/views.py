from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .schema import Register
from .selectors import current_policy_version, policy_version, policy_versions


def _render_policy(request: HttpRequest, version, *, current: bool) -> HttpResponse:
    content = Register.model_validate(version.content)
    bases_used = [
        basis
        for basis in content.legal_bases
        if any(p.legal_basis == basis.id for p in content.purposes)
    ]
    purposes_by_basis = {
        basis.id: [p for p in content.purposes if p.legal_basis == basis.id] for basis in bases_used
    }
    return render(
        request,
        "register/policy.html",
        {
            "policy": content,
            "version": version,
            "is_current": current,
            "bases_used": bases_used,
            "purposes_by_basis": purposes_by_basis,
            "versions": policy_versions(),
        },
    )


def privacy_policy(request: HttpRequest) -> HttpResponse:
    return _render_policy(request, current_policy_version(), current=True)


def privacy_policy_version(request: HttpRequest, number: int) -> HttpResponse:
    version = policy_version(number)
    if version is None:
        raise Http404(f"privacy policy version {number} was never published")
    current = current_policy_version()
    return _render_policy(request, version, current=version.pk == current.pk)
