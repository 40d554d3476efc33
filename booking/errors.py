"""Errors of the booking app."""


class BookingError(Exception):
    """Base of every booking error."""


class BookingWebhookRejected(BookingError):
    """A verified Cal.com delivery we cannot apply (no attendee, no usable email)."""
