"""POST /api/v1/leads: the contact form as JSON, for our own script and partner landings."""

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, StrictBool, StrictStr

from leadkeeper.context import request_context

from .models import Lead
from .services import capture_lead, check_lead_rate, validate_lead

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


@router.post(
    "",
    response={201: LeadCreated, 400: Detail, 422: FieldErrors, 429: Detail},
    summary="Submit a consultation request",
    url_name="leads",
)
def create_lead(request: HttpRequest, payload: LeadIn) -> Status:
    context = request_context(request)
    check_lead_rate(context=context)
    data = validate_lead({k: ("" if v is None else v) for k, v in payload.model_dump().items()})
    lead = capture_lead(data=data, context=context, channel=Lead.Channel.API)
    return Status(201, {"id": lead.pk})
