"""Errors of the analytics app (STYLE §10): a base never raised itself, narrow subclasses."""


class AnalyticsError(Exception):
    """Base of analytics errors; never raised itself."""


class CollectError(AnalyticsError):
    """A collector request that cannot be accepted as a whole; `status` is the HTTP answer."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BodyTooLarge(CollectError):
    status = 413


class UnsupportedContentType(CollectError):
    status = 415


class MalformedBody(CollectError):
    status = 400


class InvalidEvent(AnalyticsError):
    """One event breaks the contract; `field` names what is wrong."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class RollupRefused(AnalyticsError):
    """A day cannot be rebuilt: its raw events were pruned, its rollup is final."""
