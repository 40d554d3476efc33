class CaptureError(Exception):
    """Base of the capture app's errors; never raised itself."""


class LeadRejected(CaptureError):
    """The lead's data is invalid; `errors` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(f"lead rejected: invalid {', '.join(sorted(errors))}")


class RateLimited(CaptureError):
    """Too many submissions from one client address within the window."""
