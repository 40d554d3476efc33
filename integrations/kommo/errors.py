"""Kommo's failures as a tree, so callers decide on retry by type (STYLE §5, §10).

KommoError is never raised itself. `from_response()` is the one place an HTTP answer
becomes an exception; `from_transport()` does the same for timeouts and refused connections.
Messages carry status codes, request ids and Kommo's field paths, never field values.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

# Shared with the other vendors; re-exported because callers import them from here.
from integrations.http import MAX_RETRY_AFTER as MAX_RETRY_AFTER
from integrations.http import retry_after_seconds as retry_after_seconds


@dataclass(frozen=True)
class ValidationProblem:
    """One entry of Kommo's problem+json `validation-errors`: which item, which field, why."""

    request_id: str  # our request_id of the rejected item ("" when Kommo did not say)
    code: str
    path: str
    detail: str

    def __str__(self) -> str:
        where = f"item {self.request_id}: " if self.request_id else ""
        return f"{where}{self.path or '(request)'}: {self.code} {self.detail}".strip()


class KommoError(Exception):
    """Base of every Kommo failure; never raised itself."""

    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class KommoUnauthorized(KommoError):
    """401/403: the token is wrong, expired or lacks rights. Retrying burns nothing but time."""


class KommoRateLimited(KommoError):
    """429: over 7 requests/s for the account. Wait `retry_after` seconds (None: unknown)."""

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class KommoUnavailable(KommoError):
    """5xx, timeouts, refused connections: Kommo may or may not have processed the request.

    `maybe_processed` is False only when the request certainly never reached Kommo
    (connection refused), so a caller knows whether to look for the result before resending.
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


class KommoRejected(KommoError):
    """400 and other 4xx: the request itself is wrong and fails the same way again."""

    def __init__(
        self, message: str, *, status: int | None, problems: tuple[ValidationProblem, ...] = ()
    ) -> None:
        super().__init__(message, status=status)
        self.problems = problems

    def problems_by_request_id(self) -> dict[str, list[ValidationProblem]]:
        grouped: dict[str, list[ValidationProblem]] = {}
        for problem in self.problems:
            grouped.setdefault(problem.request_id, []).append(problem)
        return grouped


def _problems(body: object) -> tuple[ValidationProblem, ...]:
    if not isinstance(body, dict):
        return ()
    problems: list[ValidationProblem] = []
    for entry in body.get("validation-errors") or []:
        if not isinstance(entry, dict):
            continue
        request_id = str(entry.get("request_id", "") or "")
        for error in entry.get("errors") or []:
            if isinstance(error, dict):
                problems.append(
                    ValidationProblem(
                        request_id=request_id,
                        code=str(error.get("code", "")),
                        path=str(error.get("path", "")),
                        detail=str(error.get("detail", ""))[:300],
                    )
                )
    return tuple(problems)


def from_response(response: httpx.Response, *, endpoint: str) -> KommoError:
    """Turn a non-2xx answer into the narrowest KommoError (the only place that does)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    title = ""
    if isinstance(body, dict):
        title = " ".join(str(body.get(k, "")) for k in ("title", "detail") if body.get(k))
    where = f"Kommo {endpoint} answered {status}"
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if status in (401, 403):
        return KommoUnauthorized(f"{where}: {title or 'not authorized'}", status=status)
    if status == 429:
        return KommoRateLimited(
            f"{where}: over the rate limit (Retry-After {retry_after})",
            retry_after=retry_after,
        )
    if status >= 500:
        return KommoUnavailable(
            f"{where}: {title or 'server error'}", status=status, retry_after=retry_after
        )
    problems = _problems(body)
    summary = "; ".join(str(p) for p in problems[:5]) or title or "request rejected"
    return KommoRejected(f"{where}: {summary}", status=status, problems=problems)


def from_transport(error: httpx.TransportError, *, endpoint: str) -> KommoUnavailable:
    """Timeouts may have reached Kommo; a refused connection never did."""
    never_sent = isinstance(error, httpx.ConnectError)
    return KommoUnavailable(
        f"Kommo {endpoint} unreachable: {type(error).__name__}",
        maybe_processed=not never_sent,
    )
