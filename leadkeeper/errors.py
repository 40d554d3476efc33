"""The root of every app's errors, and how the JSON API answers each of them.

Each app's `errors.py` base class derives from `DomainError`; a subclass that a client can
cause names its HTTP status, and leadkeeper/api.py turns any of them into one answer:
`{"errors": {field: [message, ...]}}` when the error is about fields (422), else
`{"detail": message}`. An error without a status is a bug, not an answer: it propagates
and Django logs a 500.
"""


class DomainError(Exception):
    """Base of every app's error base; never raised itself."""

    # The JSON API's status for this error; None: not the client's doing (a 500).
    http_status: int | None = None
    # Seconds for a Retry-After header (429, 503).
    retry_after: int | None = None
    # When set, the error is about this field: {"errors": {field: [message]}}.
    field: str | None = None

    def api_errors(self) -> dict[str, list[str]] | None:
        """Field -> messages for a 422; None for an answer with a `detail`."""
        return {self.field: [str(self)]} if self.field else None

    def api_detail(self) -> str:
        """The `detail` shown to the client; the message by default."""
        return str(self)

    def api_body(self) -> dict:
        errors = self.api_errors()
        return {"errors": errors} if errors is not None else {"detail": self.api_detail()}
