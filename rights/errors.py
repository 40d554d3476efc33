"""Errors of the rights desk: a base never raised itself, narrow subclasses (STYLE §10)."""

from leadkeeper.errors import DomainError


class RightsError(DomainError):
    """Base of the rights app's errors."""


class RequestRejected(RightsError):
    """The request's fields are invalid; `errors` maps each field to messages."""

    http_status = 422

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(f"rights request rejected: invalid {', '.join(sorted(errors))}")
        self.errors = errors

    def api_errors(self) -> dict[str, list[str]]:
        return self.errors


class TooManyRequests(RightsError):
    """Too many requests from one address or for one identifier."""

    http_status = 429
    retry_after = 60

    def api_detail(self) -> str:
        return "Too many requests; try again later."


class LinkInvalid(RightsError):
    """A verification or download link that cannot be used; subclasses say why."""


class LinkForged(LinkInvalid):
    """The signature does not match: the link was not made by us, or was altered."""


class LinkExpired(LinkInvalid):
    """The link was ours, but its time is up."""


class LinkUsed(LinkInvalid):
    """A single-use link was used already (or the request moved on)."""


class DeskActionRefused(RightsError):
    """A desk action that does not fit the request's state (approve twice, extend twice...)."""


class StepRetry(RightsError):
    """A step met a passing fault (a recipient down, 429, 5xx): try again later.

    The message is shown on the desk: words and numbers, never personal data.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StepFailed(RightsError):
    """A step cannot succeed by retrying (401, a 400 the recipient will repeat)."""
