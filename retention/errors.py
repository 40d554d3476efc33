"""Errors of the retention app (STYLE §10): a base never raised, narrow subclasses."""


class RetentionError(Exception):
    """Base of the retention app's errors; never raised itself."""


class RecipientNeedsPerson(RetentionError):
    """A recipient's part cannot be done through its API: the message says what a person does.

    E.g. Cal.com's API cannot erase a booking that took place; Kommo is not configured here.
    """
