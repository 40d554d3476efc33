"""POST /api/v1/consent (record a banner choice) and GET /api/v1/consent (current state)."""

from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool, StrictStr

from leadkeeper.context import request_context
from leadkeeper.origins import foreign_origin
from register.selectors import optional_consent_categories

from .errors import CrossSiteChoice
from .middleware import delete_ga_cookies
from .services import (
    check_consent_rate,
    record_banner_choice,
    resolve_banner_text,
    validate_choices,
)
from .state import ConsentState, new_state, set_state_cookie

router = Router(tags=["consent"])

_METHODS = {
    "banner": "banner",
    "click_to_load": "booking click-to-load",
    "settings": "cookie settings",
}


def _register_categories(schema: dict) -> None:
    """The keys are the register's optional categories, read when the document is built."""
    schema["propertyNames"] = {"enum": [c.id for c in optional_consent_categories()]}


class ChoiceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    categories: dict[StrictStr, StrictBool] = Field(
        description='Each optional category from the register, e.g. {"analytics": true, '
        '"booking": false}. A category left out counts as refused.',
        json_schema_extra=_register_categories,
    )
    text_version: StrictStr | None = Field(
        default=None,
        max_length=64,
        description="Digest of the banner text shown (data in the page); default: current.",
    )
    source: Literal["banner", "click_to_load", "settings"] = "banner"


class StateOut(Schema):
    consent_id: str | None
    decided: bool
    lapsed: bool
    granted: list[str]
    categories: list[dict]


class RecordedOut(Schema):
    consent_id: str
    record_id: int
    action: str
    granted: list[str]
    policy_version: int
    text_version: str
    recorded_at: str


class FieldErrors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str


@router.get("", response=StateOut, summary="This browser's consent state")
def current_state(request: HttpRequest, response: HttpResponse) -> dict:
    state: ConsentState | None = request.consent
    # The answer carries this browser's consent id, the secret that can withdraw its form
    # consent: no shared cache (a CDN rule, a proxy) may keep it for the next visitor.
    response["Cache-Control"] = "no-store"
    patch_vary_headers(response, ("Cookie",))
    return {
        "consent_id": str(state.consent_id) if state else None,
        "decided": bool(state and state.current),
        "lapsed": bool(state and state.lapsed),
        "granted": sorted(request.consent_granted),
        "categories": [c.model_dump() for c in optional_consent_categories()],
    }


@router.post(
    "",
    response={
        200: RecordedOut,
        400: Detail,  # not JSON, or JSON we refuse (depth, huge numbers, duplicate keys)
        403: Detail,
        409: Detail,
        413: Detail,
        415: Detail,  # anything but application/json
        422: FieldErrors,
        429: Detail,
    },
    summary="Record a consent choice (grant, refusal, change or withdrawal)",
    url_name="consent",
)
def record_choice(request: HttpRequest, response: HttpResponse, payload: ChoiceIn) -> Status:
    # Errors answer through leadkeeper/api.py: 403 cross-site, 429 flood, 409 stale banner
    # text, 422 {"errors": {"categories": [...]}} for a category the register lacks.
    if foreign_origin(request, partners=False):
        raise CrossSiteChoice("a consent choice posted from another site")
    context = request_context(request)
    check_consent_rate(context=context)
    granted = validate_choices(payload.categories)
    text = resolve_banner_text(digest=payload.text_version)
    state: ConsentState = request.consent or new_state()
    result = record_banner_choice(
        state=state,
        granted=granted,
        context=context,
        method=_METHODS[payload.source],
        text=text,
    )
    set_state_cookie(response, result.state)
    if "analytics" not in result.state.effective:
        delete_ga_cookies(request, response)
    record = result.record
    return Status(
        200,
        {
            "consent_id": str(record.consent_id),
            "record_id": record.pk,
            "action": record.action,
            "granted": sorted(result.state.effective),
            "policy_version": record.policy_version,
            "text_version": text.digest,
            "recorded_at": record.created_at.isoformat(),
        },
    )
