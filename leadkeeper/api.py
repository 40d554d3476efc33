"""The public JSON API (django-ninja): /api/v1/..., OpenAPI at /api/openapi.json."""

import importlib
import importlib.util

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import ValidationError

from .errors import DomainError
from .jsonbody import StrictParser

api = NinjaAPI(
    title="leadkeeper API",
    version="1",
    description="Leads, consent, analytics collection and rights requests for the website.",
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=StrictParser(),
)
# Each app owns its routes in <app>/api.py as `router`; mounted here under its public path.
ROUTERS = {
    "/v1/leads": "capture.api",
    "/v1/consent": "consent.api",
    "/v1/collect": "analytics.api",
    "/v1/rights-requests": "rights.api",
}
for prefix, module_name in ROUTERS.items():
    if importlib.util.find_spec(module_name) is not None:
        api.add_router(prefix, importlib.import_module(module_name).router)


def _field(location: tuple) -> str:
    """('body', 'payload', 'phone') -> 'phone'; a body that is not an object -> '__all__'."""
    parts = [str(p) for p in location if p not in ("body", "payload")]
    return ".".join(parts) or "__all__"


@api.exception_handler(ValidationError)
def validation_errors(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        message = error.get("msg", "invalid")
        if error.get("type") == "missing":
            message = "This field is required."
        errors.setdefault(_field(tuple(error.get("loc", ()))), []).append(message)
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The one mapping from a domain error to an HTTP answer (leadkeeper/errors.py)."""
    if exc.http_status is None:
        raise exc
    response = api.create_response(request, exc.api_body(), status=exc.http_status)
    if exc.retry_after is not None:
        response["Retry-After"] = str(exc.retry_after)
    return response
