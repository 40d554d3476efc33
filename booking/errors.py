"""Errors of the booking app."""

from leadkeeper.errors import DomainError


class BookingError(DomainError):
    """Base of every booking error."""


class BookingWebhookRejected(BookingError):
    """A verified Cal.com delivery we cannot apply (no attendee, no usable email)."""


class WebhookOutsideWindow(BookingWebhookRejected):
    """A signed delivery created longer ago (or further ahead) than the tolerance: a replay
    of a captured body, which the signature alone cannot tell from a fresh one."""
