"""Two things at once: the same link pressed twice, two requests for one person."""

import threading

import pytest
from django.db import connection

from rights.errors import LinkUsed
from rights.models import RightsRequest
from rights.services.intake import submit_request, validate_request
from rights.services.verification import confirm_link
from rights.tokens import verification_token

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_same_link_pressed_twice_at_once_verifies_once():
    data = validate_request(right="access", email="a@example.com", phone="", details="")
    request = submit_request(data=data, channel="api", language="en")
    token = verification_token(reference=request.reference, nonce=request.verify_nonce)
    outcomes: list[str] = []
    start = threading.Barrier(2)

    def press() -> None:
        start.wait()
        try:
            confirm_link(token=token)
            outcomes.append("verified")
        except LinkUsed:
            outcomes.append("used")
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["used", "verified"]
    request.refresh_from_db()
    assert request.status == RightsRequest.Status.IN_PROCESSING
    assert request.steps.count() == 1
