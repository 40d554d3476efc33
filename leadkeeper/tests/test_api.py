"""One mapping turns every app's domain error into the JSON API's answer."""

import json

import pytest
from django.test import RequestFactory

from leadkeeper.api import domain_error
from leadkeeper.errors import DomainError


class Flooded(DomainError):
    http_status = 429
    retry_after = 60

    def api_detail(self) -> str:
        return "Too many requests; try again in a minute."


class BadCategory(DomainError):
    http_status = 422
    field = "categories"


class Broken(DomainError):
    """No status: a bug, not an answer."""


def _answer(exc: DomainError):
    return domain_error(RequestFactory().post("/api/v1/x"), exc)


def test_a_field_error_answers_422_with_the_documented_errors_shape():
    response = _answer(BadCategory("category 'ads' is not declared in the register"))
    assert response.status_code == 422
    assert json.loads(response.content) == {
        "errors": {"categories": ["category 'ads' is not declared in the register"]}
    }


@pytest.mark.usefixtures("one_rate_window")
def test_a_flood_answers_429_with_retry_after_and_a_detail():
    response = _answer(Flooded("more than 10 choices in 60 s"))
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert json.loads(response.content) == {"detail": "Too many requests; try again in a minute."}


def test_an_error_without_a_status_is_not_answered_but_raised():
    with pytest.raises(Broken, match="rollup of day 3"):
        _answer(Broken("rollup of day 3 failed"))
