"""Errors of the booking app."""

from leadkeeper.errors import DomainError


class BookingError(DomainError):
    """Base of every booking error."""


class BookingWebhookRejected(BookingError):
    """A verified Cal.com delivery we cannot apply (no attendee, no usable email)."""
