"""Small helpers shared by the rights tests."""

import json
import re

from capture.models import Lead
from capture.services import capture_lead
from capture.tests.factories import lead_data, request_context

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
