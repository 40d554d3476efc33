"""Errors of the crm app."""


class CrmError(Exception):
    """Base of the crm app's errors; never raised itself."""


class WebhookFromForeignAccount(CrmError):
    """A Kommo webhook names an account that is not ours (or none): it is refused."""
