"""Errors of the consent app: a base that is never raised itself, narrow subclasses."""


class ConsentError(Exception):
    """Base of every consent error."""


class UnknownCategory(ConsentError):
    """A choice names a category the register does not declare."""


class NecessaryCannotBeRefused(ConsentError):
    """Strictly necessary storage is not subject to consent (ePrivacy Art. 5(3))."""


class StaleBannerText(ConsentError):
    """The banner the visitor saw is not the current one (the register changed meanwhile)."""


class ConsentRecordNotFound(ConsentError):
    """No such record under this visitor's consent id."""


class TooManyChoices(ConsentError):
    """More choices from one address than any person makes (a flood filling the proof log)."""
