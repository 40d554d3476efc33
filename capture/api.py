"""POST /api/v1/leads: the contact form as JSON, for our own script and partner landings.

The form (capture/forms.py) is the validator, so a request gets one message per field in
the visitor's language; the schema states the same limits (`json_schema_extra`) so that the
OpenAPI document says what the endpoint enforces without a second, differently-worded check.
"""

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from leadkeeper.context import request_context
from leadkeeper.origins import foreign_origin, own_origin

from .models import Lead
from .screening import screen_api_lead
from .services import capture_lead, validate_lead

router = Router(tags=["leads"])

# Something a person can read: not only spaces or control characters (stripped on save).
_VISIBLE = r"[^\s\x00-\x1f\x7f]"
_TRAPS = ("website", "rendered_at")


def _text(limit: int, description: str = "", *, required: bool = False) -> object:
    extra: dict = {"maxLength": limit}
    if required:
        extra |= {"minLength": 1, "pattern": _VISIBLE}
    return Field(
        ... if required else None, description=description or None, json_schema_extra=extra
    )


class LeadIn(BaseModel):
    # A plain pydantic model, not ninja's Schema: Schema's wrap validator (for reading
    # Django objects' attributes) made validating this body 34 µs instead of 3 (issue 9).
    # Unknown fields are refused (422), so a misspelt "phon" is an error, not a lost field,
    # and the document's additionalProperties: false is what the endpoint does.
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = _text(200, "The person's name.", required=True)
    phone: StrictStr = _text(
        40, "Any common format, valid for its country; stored as E.164.", required=True
    )
    email: StrictStr | None = _text(254, "A valid address, or omitted.")
    message: StrictStr | None = _text(2000)
    consent: StrictBool = Field(
        description="Must be true: the person explicitly agreed to the privacy policy.",
        json_schema_extra={"enum": [True]},
    )
    utm_source: StrictStr | None = _text(2000)
    utm_medium: StrictStr | None = _text(2000)
    utm_campaign: StrictStr | None = _text(2000)
    utm_term: StrictStr | None = _text(2000)
    utm_content: StrictStr | None = _text(2000)
    gclid: StrictStr | None = _text(2000)
    yclid: StrictStr | None = _text(2000)
    fbclid: StrictStr | None = _text(2000)
    referrer: StrictStr | None = _text(4000)
    landing_page: StrictStr | None = _text(4000)
    turnstile_token: StrictStr | None = _text(
        2048, "Cloudflare Turnstile's response; required when the site has Turnstile on."
    )
    website: StrictStr | None = _text(200, "Leave out (a trap for bots on our own form).")
    rendered_at: StrictStr | None = _text(
        200, "Our own form's signed render time; required on posts from this site's pages."
    )


class LeadCreated(BaseModel):
    id: int  # returned as a LeadCreated: ninja then skips validating it again


class FieldErrors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str


@router.post(
    "",
    response={
        201: LeadCreated,
        400: Detail,  # not JSON, or JSON we refuse (depth, huge numbers, duplicate keys)
        403: Detail,  # a browser page of another site that is not a declared partner
        413: Detail,
        415: Detail,  # anything but application/json
        422: FieldErrors,
        429: Detail,
    },
    summary="Submit a consultation request",
    url_name="leads",
)
def create_lead(request: HttpRequest, payload: LeadIn) -> Status:
    if foreign_origin(request, partners=True):
        return Status(403, {"detail": "Leads are accepted from this site and partner landings."})
    # No separate rate check: capture_lead counts the address inside the lead's transaction
    # (issue 9), so a refused lead costs no extra statements and a stored one counts once.
    context = request_context(request)
    fields = payload.model_dump()
    screen_api_lead(
        traps={k: fields.pop(k) or "" for k in _TRAPS},
        turnstile_token=fields.pop("turnstile_token") or "",
        context=context,
        own_site=own_origin(request),
    )
    data = validate_lead({k: ("" if v is None else v) for k, v in fields.items()})
    lead = capture_lead(data=data, context=context, channel=Lead.Channel.API)
    return Status(201, LeadCreated(id=lead.pk))
