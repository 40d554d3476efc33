from leadkeeper.errors import DomainError


class CaptureError(DomainError):
    """Base of the capture app's errors; never raised itself."""


class LeadRejected(CaptureError):
    """The lead's data is invalid; `errors` maps each field to its messages."""

    http_status = 422

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(f"lead rejected: invalid {', '.join(sorted(errors))}")

    def api_errors(self) -> dict[str, list[str]]:
        return self.errors


class RateLimited(CaptureError):
    """Too many submissions from one client address within the window."""

    http_status = 429
    retry_after = 60

    def api_detail(self) -> str:
        return "Too many requests; try again in a minute."


class MalformedLead(CaptureError):
    """The body of POST /api/v1/leads is not JSON at all."""

    http_status = 400
