"""POST /api/v1/rights-requests: a rights request as JSON (202 for everyone, no enumeration)."""

from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, StrictStr

from leadkeeper.context import request_context

from .models import Right, RightsRequest
from .services.intake import check_request_rate, submit_request, validate_request

router = Router(tags=["rights"])


class RightsRequestIn(Schema):
    model_config = ConfigDict(extra="ignore")

    # The enumeration is documented, and checked by the intake service so that a wrong value
    # is a 422 naming the field in the API's one error shape.
    right: StrictStr = Field(
        description=f"One of: {', '.join(Right.values)}.",
        json_schema_extra={"enum": list(Right.values)},
    )
    email: StrictStr | None = Field(
        default=None, max_length=254, description="Where the link to confirm goes."
    )
    phone: StrictStr | None = Field(
        default=None, max_length=40, description="We call back to confirm."
    )
    details: StrictStr | None = Field(
        default=None, max_length=4000, description="At most 4000 characters."
    )


class Received(Schema):
    reference: str
    status: str


class FieldErrors(Schema):
    errors: dict[str, list[str]]


class Detail(Schema):
    detail: str


@router.post(
    "",
    response={
        202: Received,
        400: Detail,  # a body that is not JSON
        413: Detail,  # a body over MAX_REQUEST_BODY_BYTES
        415: Detail,  # anything but application/json
        422: FieldErrors,
        429: Detail,
    },
    summary="Exercise a data-subject right (GDPR Art. 15-21, 7(3), 77)",
    description=(
        "Answers 202 with a reference whether or not we hold data on the person; a link "
        "to confirm the request is emailed (or staff call the phone back) before anything "
        "is disclosed or changed."
    ),
    url_name="rights-requests",
)
def create_rights_request(request: HttpRequest, payload: RightsRequestIn) -> Status:
    data = validate_request(
        right=payload.right,
        email=payload.email or "",
        phone=payload.phone or "",
        details=payload.details or "",
    )
    check_request_rate(ip=request_context(request).ip, data=data)
    created = submit_request(
        data=data, channel=RightsRequest.Channel.API, language=get_language() or "en"
    )
    return Status(202, {"reference": created.reference, "status": "received"})
