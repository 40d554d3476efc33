import httpx
import pytest

from integrations.turnstile.client import TurnstileClient
from integrations.turnstile.errors import TurnstileRejected, TurnstileUnavailable


def _client(handler) -> TurnstileClient:
    return TurnstileClient(
        secret_key="s3cret", base_url="https://cf.test", transport=httpx.MockTransport(handler)
    )


def test_a_good_token_verifies_and_sends_the_documented_form():
    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["path"] = request.url.path
        seen["body"] = request.content.decode()
        return httpx.Response(
            200,
            json={
                "success": True,
                "hostname": "kommoexpert.ru",
                "action": "lead",
                "error-codes": [],
            },
        )

    result = _client(handler).verify(token="tok", remote_ip="81.2.69.160")
    assert result.hostname == "kommoexpert.ru"
    assert seen["path"] == "/turnstile/v0/siteverify"
    assert "secret=s3cret" in seen["body"] and "response=tok" in seen["body"]
    assert "remoteip=81.2.69.160" in seen["body"]


def test_a_bad_token_is_rejected_with_cloudflares_codes():
    def handler(request):
        return httpx.Response(200, json={"success": False, "error-codes": ["timeout-or-duplicate"]})

    with pytest.raises(TurnstileRejected, match="timeout-or-duplicate"):
        _client(handler).verify(token="used")


def test_a_missing_token_is_rejected_without_a_call():
    def handler(request):
        raise AssertionError("no request expected")

    with pytest.raises(TurnstileRejected, match="missing-input-response"):
        _client(handler).verify(token="")


def test_an_outage_is_unavailable_not_rejected():
    with pytest.raises(TurnstileUnavailable):
        _client(lambda request: httpx.Response(502)).verify(token="tok")
