"""Cloudflare Turnstile's server-side check (optional spam protection for the form).

https://developers.cloudflare.com/turnstile/get-started/server-side-validation/
POST secret + response (+ remoteip) as a form to /turnstile/v0/siteverify; the answer is
JSON `{"success": bool, "error-codes": [...], "hostname": ..., "action": ...}`.
"""

from dataclasses import dataclass

import httpx

from .errors import TurnstileRejected, TurnstileUnavailable

BASE_URL = "https://challenges.cloudflare.com"
SITEVERIFY = "/turnstile/v0/siteverify"
TIMEOUT = httpx.Timeout(5.0, connect=3.0)


@dataclass(frozen=True)
class Verification:
    hostname: str
    action: str


class TurnstileClient:
    def __init__(
        self,
        *,
        secret_key: str,
        base_url: str = BASE_URL,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._secret = secret_key
        self._http = httpx.Client(base_url=base_url, timeout=TIMEOUT, transport=transport)

    def verify(self, *, token: str, remote_ip: str = "") -> Verification:
        if not token:
            raise TurnstileRejected(["missing-input-response"])
        data = {"secret": self._secret, "response": token}
        if remote_ip:
            data["remoteip"] = remote_ip
        try:
            response = self._http.post(SITEVERIFY, data=data)
        except httpx.TransportError as error:
            raise TurnstileUnavailable(f"siteverify failed: {type(error).__name__}") from None
        if response.status_code >= 500:
            raise TurnstileUnavailable(f"siteverify answered {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise TurnstileUnavailable("siteverify answered with a body that is not JSON") from None
        if not body.get("success"):
            raise TurnstileRejected(list(body.get("error-codes", [])))
        return Verification(hostname=body.get("hostname", ""), action=body.get("action", ""))
