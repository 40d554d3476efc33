"""POST /api/v1/leads: the contact form as JSON, for our own script and partner landings."""

import json

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool, StrictStr

from leadkeeper.context import request_context

from .errors import LeadRejected, MalformedLead
from .models import Lead
from .services import capture_lead, validate_lead

router = Router(tags=["leads"])


class LeadIn(Schema):
    model_config = ConfigDict(extra="ignore")

    name: StrictStr = Field(description="The person's name, at most 200 characters.")
    phone: StrictStr = Field(description="Any common format; stored as E.164.")
    email: StrictStr | None = None
    message: StrictStr | None = Field(default=None, description="At most 2000 characters.")
    consent: StrictBool = Field(
        description="Must be true: the person explicitly agreed to the privacy policy."
    )
    utm_source: StrictStr | None = None
    utm_medium: StrictStr | None = None
    utm_campaign: StrictStr | None = None
    utm_term: StrictStr | None = None
    utm_content: StrictStr | None = None
    gclid: StrictStr | None = None
    yclid: StrictStr | None = None
    fbclid: StrictStr | None = None
    referrer: StrictStr | None = None
    landing_page: StrictStr | None = None


class LeadCreated(Schema):
    id: int


class FieldErrors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str


def _typed_fields(body: bytes) -> dict[str, object]:
    """The body as LeadIn's fields, types checked (JSON strings stay strings, consent a bool).

    The one parse of the body: LeadIn documents the contract in OpenAPI, and the fields are
    validated once, by the same LeadForm the HTML form uses (issue 9).
    """
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedLead(f"the body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise LeadRejected({"__all__": ["The body must be a JSON object."]})
    fields: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    for name in LeadIn.model_fields:
        value = data.get(name)
        if name == "consent":
            if value is not None and not isinstance(value, bool):
                errors[name] = ["Must be true or false."]
            fields[name] = value is True
        elif value is not None and not isinstance(value, str):
            errors[name] = ["Must be a string."]
        else:
            fields[name] = value or ""
    if errors:
        raise LeadRejected(errors)
    return fields


@router.post(
    "",
    response={201: LeadCreated, 400: Detail, 422: FieldErrors, 429: Detail},
    summary="Submit a consultation request",
    url_name="leads",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": LeadIn.model_json_schema()}},
        }
    },
)
def create_lead(request: HttpRequest) -> Status:
    data = validate_lead(_typed_fields(request.body))
    lead = capture_lead(data=data, context=request_context(request), channel=Lead.Channel.API)
    return Status(201, {"id": lead.pk})
