"""Google's failures as a tree, so callers decide on retry by type (STYLE §5, §10).

GoogleError is never raised itself. `from_response()` is the one place an HTTP answer
becomes an exception; `from_transport()` and `from_auth()` do the same for timeouts and for
google-auth's token errors. Messages carry endpoints, status codes and Google's reasons,
never client ids.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
from google.auth import exceptions as auth_exceptions

from integrations.http import retry_after_seconds

# Google's documented quota reasons (the v3 `errors[].reason` and the newer ErrorInfo).
RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}
DAILY_REASONS = {"dailyLimitExceeded", "quotaExceeded", "dailyLimitExceededUnreg"}
# Google's daily quotas restart at midnight Pacific Time.
QUOTA_DAY_ZONE = ZoneInfo("America/Los_Angeles")


class GoogleError(Exception):
    """Base of every Google failure; never raised itself."""

    status: int | None = None

    def __init__(self, message: str, *, status: int | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason  # Google's reason, e.g. "dailyLimitExceeded"


class GoogleUnauthorized(GoogleError):
    """401, a 403 that is not a quota, or a token Google refuses: fix the service account
    (key revoked, not added to the property, wrong scope). Retrying changes nothing."""


class GoogleCredentialsInvalid(GoogleUnauthorized):
    """GA_SERVICE_ACCOUNT_FILE is missing or is not a service-account key."""


class GoogleRateLimited(GoogleError):
    """429, or 403 with a quota reason. Wait `retry_after` seconds (None: unknown, back off).

    `daily` is True when the day's budget is spent: retry_after then reaches the next
    quota day, and retrying sooner only burns more of tomorrow's.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        daily: bool = False,
        status: int | None = 429,
        reason: str = "",
    ) -> None:
        super().__init__(message, status=status, reason=reason)
        self.retry_after = retry_after
        self.daily = daily


class GoogleUnavailable(GoogleError):
    """5xx, timeouts, refused connections: retry with backoff.

    A user deletion request is an upsert, so sending it again is harmless.
    """

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class GoogleRejected(GoogleError):
    """400, 404 and other 4xx: the request itself is wrong and fails the same way again."""


def seconds_to_next_quota_day(now: datetime | None = None) -> float:
    now = (now or datetime.now(QUOTA_DAY_ZONE)).astimezone(QUOTA_DAY_ZONE)
    midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, (midnight - now).total_seconds())


def _error(body: object) -> tuple[str, str]:
    """(reason, message) from Google's `{"error": {code, message, errors, status, details}}`."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", ""
    reasons = [e.get("reason", "") for e in error.get("errors") or [] if isinstance(e, dict)]
    reasons += [d.get("reason", "") for d in error.get("details") or [] if isinstance(d, dict)]
    reason = next((r for r in reasons if r), "") or str(error.get("status", ""))
    return str(reason), str(error.get("message", ""))[:300]


def from_response(response: httpx.Response, *, endpoint: str) -> GoogleError:
    """Turn a non-2xx answer into the narrowest GoogleError (the only place that does)."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        body = None
    reason, message = _error(body)
    where = f"Google {endpoint} answered {status}" + (f" {reason}" if reason else "")
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    if reason in DAILY_REASONS:
        return GoogleRateLimited(
            f"{where}: the day's quota is spent",
            retry_after=seconds_to_next_quota_day(),
            daily=True,
            status=status,
            reason=reason,
        )
    if status == 429 or reason in RATE_REASONS:
        return GoogleRateLimited(
            f"{where}: over the rate quota (Retry-After {retry_after})",
            retry_after=retry_after,
            status=status,
            reason=reason,
        )
    if status in (401, 403):
        return GoogleUnauthorized(
            f"{where}: {message or 'not authorized'}", status=status, reason=reason
        )
    if status >= 500:
        return GoogleUnavailable(
            f"{where}: {message or 'server error'}", status=status, retry_after=retry_after
        )
    return GoogleRejected(f"{where}: {message or 'request rejected'}", status=status, reason=reason)


def from_transport(error: httpx.TransportError, *, endpoint: str) -> GoogleUnavailable:
    return GoogleUnavailable(f"Google {endpoint} unreachable: {type(error).__name__}")


def from_auth(error: auth_exceptions.GoogleAuthError) -> GoogleError:
    """google-auth's token errors: a refused grant is ours to fix, the rest is transient."""
    if isinstance(error, auth_exceptions.RefreshError) and not error.retryable:
        # error.args[0] is Google's "invalid_grant: Invalid JWT Signature." (no personal data)
        return GoogleUnauthorized(
            f"Google token endpoint refused the service account: "
            f"{str(error.args[0] if error.args else error)[:200]}"
        )
    return GoogleUnavailable(f"Google token endpoint failed: {type(error).__name__}")
