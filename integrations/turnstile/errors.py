class TurnstileError(Exception):
    """Base of Turnstile failures; never raised itself."""


class TurnstileUnavailable(TurnstileError):
    """siteverify could not be reached or answered 5xx."""


class TurnstileRejected(TurnstileError):
    """The token is missing, invalid, expired or reused; `codes` are Cloudflare's error-codes."""

    def __init__(self, codes: list[str]) -> None:
        self.codes = codes
        super().__init__(f"turnstile token rejected: {', '.join(codes) or 'no reason given'}")
