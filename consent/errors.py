"""Errors of the consent app: a base that is never raised itself, narrow subclasses.

`http_status` is how the JSON API answers each (leadkeeper/errors.py, leadkeeper/api.py).
"""

from leadkeeper.errors import DomainError


class ConsentError(DomainError):
    """Base of every consent error."""


class UnknownCategory(ConsentError):
    """A choice names a category the register does not declare."""

    http_status = 422
    field = "categories"


class NecessaryCannotBeRefused(ConsentError):
    """Strictly necessary storage is not subject to consent (ePrivacy Art. 5(3))."""

    http_status = 422
    field = "categories"


class StaleBannerText(ConsentError):
    """The banner the visitor saw is not the current one (the register changed meanwhile)."""

    http_status = 409

    def api_detail(self) -> str:
        return f"{self}; reload the page and choose again."


class ConsentRecordNotFound(ConsentError):
    """No such record under this visitor's consent id."""

    http_status = 404


class TooManyChoices(ConsentError):
    """More choices from one address than any person makes (a flood filling the proof log)."""

    http_status = 429
    retry_after = 60

    def api_detail(self) -> str:
        return "Too many requests; try again in a minute."


class CrossSiteChoice(ConsentError):
    """A choice posted from another site's page: only our own pages may record one."""

    http_status = 403

    def api_detail(self) -> str:
        return "Consent can only be given on this site's own pages."
