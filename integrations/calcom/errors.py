"""Cal.com errors: a base never raised itself, narrow subclasses."""


class CalcomError(Exception):
    """Base of every Cal.com error."""


class CalcomSignatureInvalid(CalcomError):
    """X-Cal-Signature-256 is missing or does not match the body: not from Cal.com."""


class CalcomPayloadInvalid(CalcomError):
    """A signed body that is not a Cal.com webhook event we understand."""
