"""Errors of the analytics app (STYLE §10): a base never raised itself, narrow subclasses.

`http_status` is how the JSON API answers each (leadkeeper/errors.py, leadkeeper/api.py).
"""

from leadkeeper.errors import DomainError


class AnalyticsError(DomainError):
    """Base of analytics errors; never raised itself."""


class CollectError(AnalyticsError):
    """A collector request that cannot be accepted as a whole, answered
    `{"errors": {"__all__": [message]}}` with the subclass's status."""

    http_status = 400
    field = "__all__"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BodyTooLarge(CollectError):
    http_status = 413


class UnsupportedContentType(CollectError):
    http_status = 415


class MalformedBody(CollectError):
    http_status = 400


class TooManyEvents(CollectError):
    http_status = 422


class CollectRateLimited(CollectError):
    """More events from one address (or IPv6 /64) in a minute than COLLECT_RATE_LIMIT."""

    http_status = 429
    retry_after = 60


class CollectorBusy(CollectError):
    """The collector's buffer is full because the database has been away: the events are
    refused (503), not accepted and then lost (analytics/buffer.py)."""

    http_status = 503
    retry_after = 5


class InvalidEvent(AnalyticsError):
    """One event breaks the contract; `field` names what is wrong."""

    http_status = 422

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def api_errors(self) -> dict[str, list[str]]:
        return {self.field: [self.message]}


class RollupRefused(AnalyticsError):
    """A day cannot be rebuilt: its raw events were pruned, its rollup is final."""
