"""Cal.com webhook payloads (https://cal.com/docs/developing/guides/automation/webhooks).

`{"triggerEvent": "BOOKING_CREATED", "createdAt": "...", "payload": {"uid": ..., "startTime":
..., "endTime": ..., "attendees": [{"email", "name", "timeZone"}], "rescheduleUid"?: ...}}`.
Unknown fields are ignored: Cal.com adds fields over time.
"""

from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

BOOKING_CREATED = "BOOKING_CREATED"
BOOKING_RESCHEDULED = "BOOKING_RESCHEDULED"
BOOKING_CANCELLED = "BOOKING_CANCELLED"
PING = "PING"


def _as_utc(value: datetime) -> datetime:
    # Cal.com sends ISO 8601 in UTC ("...Z"); a time without an offset is read as UTC rather
    # than compared with our aware clock (a TypeError, a 500, and Cal.com retrying forever).
    return value if value.tzinfo else value.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Attendee(_Model):
    email: str = Field(min_length=3, max_length=254)
    name: str = Field(default="", max_length=200)
    time_zone: str = Field(default="", alias="timeZone", max_length=64)


class BookingPayload(_Model):
    uid: str = Field(min_length=1, max_length=128)
    title: str = Field(default="", max_length=300)
    start_time: UtcDatetime = Field(alias="startTime")
    end_time: UtcDatetime = Field(alias="endTime")
    attendees: list[Attendee] = Field(default_factory=list)
    # On BOOKING_RESCHEDULED: the uid of the booking this one replaces.
    reschedule_uid: str | None = Field(default=None, alias="rescheduleUid", max_length=128)
    status: str = Field(default="", max_length=32)


class WebhookEvent(_Model):
    trigger_event: str = Field(alias="triggerEvent", min_length=1, max_length=64)
    created_at: UtcDatetime = Field(alias="createdAt")
    payload: dict = Field(default_factory=dict)

    def booking(self) -> BookingPayload:
        return BookingPayload.model_validate(self.payload)


# --- API v2 (outgoing calls), cal-api-version 2024-08-13 ---------------------------------
# https://cal.com/docs/api-reference/v2/bookings/get-all-bookings: each item of `data` is a
# BookingOutput: {id, uid, title, status: accepted|cancelled|rejected|pending, start, end,
# attendees: [{name, email, timeZone, ...}], hosts, ...}.


class ApiAttendee(_Model):
    email: str = Field(default="", max_length=254)
    name: str = Field(default="", max_length=200)


class ApiBooking(_Model):
    """One booking as API v2 returns it (only the fields the rights desk needs)."""

    id: int | None = None
    uid: str = Field(min_length=1, max_length=128)
    title: str = Field(default="", max_length=300)
    status: str = Field(default="", max_length=32)
    start: UtcDatetime
    end: UtcDatetime
    attendees: list[ApiAttendee] = Field(default_factory=list)
    cancellation_reason: str | None = Field(default=None, alias="cancellationReason")

    @classmethod
    def from_api(cls, data: dict) -> "ApiBooking":
        return cls.model_validate(data)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"
