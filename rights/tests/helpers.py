"""Small helpers shared by the rights tests."""

import json
import re

from capture.models import Lead
from capture.services import capture_lead
from capture.tests.factories import lead_data, request_context
from rights.models import RightsRequest

LINK = re.compile(r"http://\S+/rights/(verify|download)/(\S+?)/")


def post_request(client, **body) -> dict:
    response = client.post(
        "/api/v1/rights-requests",
        json.dumps(body),
        content_type="application/json",
        REMOTE_ADDR="95.31.18.119",
    )
    assert response.status_code == 202, response.content
    return response.json()


def lead(**overrides) -> Lead:
    return capture_lead(
        data=lead_data(**overrides), context=request_context(), channel=Lead.Channel.WEB_FORM
    )


def links(text: str, kind: str) -> list[str]:
    return [f"/rights/{k}/{token}/" for k, token in LINK.findall(text) if k == kind]


def verified(right: str, email: str = "ivan.petrov@example.com", **extra) -> RightsRequest:
    """A request submitted and confirmed through its link (tasks not run)."""
    from rights.services.intake import submit_request, validate_request
    from rights.services.verification import confirm_link
    from rights.tokens import verification_token

    data = validate_request(
        right=right, email=email, phone=extra.get("phone", ""), details=extra.get("details", "")
    )
    request = submit_request(data=data, channel=RightsRequest.Channel.API, language="en")
    confirm_link(token=verification_token(reference=request.reference, nonce=request.verify_nonce))
    request.refresh_from_db()
    return request


def run_steps(request) -> None:
    """Run the request's runnable steps, as a worker would, until none is left due."""
    from rights.models import Step
    from rights.services.runner import run_step

    for _ in range(20):
        due = list(request.steps.filter(state__in=Step.RUNNABLE).values_list("pk", flat=True))
        ran = [run_step(step_id=pk) for pk in due]
        if not due or all(r == "not runnable now" for r in ran):
            break
    request.refresh_from_db()
