"""Cal.com errors as one tree, so callers decide on retry by type (STYLE §5, §10).

CalcomError is never raised itself. Webhook problems (`CalcomSignatureInvalid`,
`CalcomPayloadInvalid`) come from incoming deliveries; the API errors below come from the
outgoing client, built in one place, `from_response()` (and `from_transport()` for
timeouts and refused connections). Messages carry paths, status codes and Cal.com's error
code, never attendee names or emails.
"""

from __future__ import annotations

import httpx

from integrations.http import retry_after_seconds


class CalcomError(Exception):
    """Base of every Cal.com error; never raised itself."""

    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class CalcomSignatureInvalid(CalcomError):
    """X-Cal-Signature-256 is missing or does not match the body: not from Cal.com."""


class CalcomPayloadInvalid(CalcomError):
    """A signed body that is not a Cal.com webhook event we understand."""


class CalcomUnauthorized(CalcomError):
    """401/403: the API key is wrong, revoked or not the booking's owner. Retrying won't help."""


class CalcomRateLimited(CalcomError):
    """429: over the API key's rate limit. Wait `retry_after` seconds (None: unknown)."""

    def __init__(self, message: str, *, retry_after: float | None, status: int = 429) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class CalcomUnavailable(CalcomError):
    """5xx, timeouts, refused connections: retry with backoff.

    `maybe_processed` is False only when the request certainly never reached Cal.com
    (connection refused). A cancel that timed out may have happened: cancelling again then
    answers "already cancelled", which `cancel_booking` treats as done.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        maybe_processed: bool = True,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.maybe_processed = maybe_processed


class CalcomRejected(CalcomError):
    """400, 404 and other 4xx: the request itself is wrong and fails the same way again."""

    def __init__(self, message: str, *, status: int | None, code: str = "") -> None:
        super().__init__(message, status=status)
        self.code = code  # Cal.com's error.code, e.g. "NotFoundException"


def _error(body: object) -> tuple[str, str]:
    """(code, message) from Cal.com's `{"status": "error", "error": {code, message}}`."""
    if not isinstance(body, dict):
        return "", ""
    error = body.get("error")
    if isinstance(error, dict):
        return str(error.get("code", "")), str(error.get("message", ""))[:300]
    return "", str(body.get("message", ""))[:300]


def from_response(response: httpx.Response, *, endpoint: str) -> CalcomError:
    """Turn a non-2xx answer into the narrowest CalcomError (the only place that does)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    code, message = _error(body)
    where = f"Cal.com {endpoint} answered {status}"
    detail = f"{code}: {message}" if code else message
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status in (401, 403):
        return CalcomUnauthorized(f"{where}: {detail or 'not authorized'}", status=status)
    if status == 429:
        return CalcomRateLimited(
            f"{where}: over the rate limit (Retry-After {retry_after})", retry_after=retry_after
        )
    if status >= 500:
        return CalcomUnavailable(
            f"{where}: {detail or 'server error'}", status=status, retry_after=retry_after
        )
    return CalcomRejected(f"{where}: {detail or 'request rejected'}", status=status, code=code)


def from_transport(error: httpx.TransportError, *, endpoint: str) -> CalcomUnavailable:
    """Timeouts may have reached Cal.com; a refused connection never did."""
    return CalcomUnavailable(
        f"Cal.com {endpoint} unreachable: {type(error).__name__}",
        maybe_processed=not isinstance(error, httpx.ConnectError),
    )
