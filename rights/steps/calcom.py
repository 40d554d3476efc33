"""Cal.com (policy §6: booking calls): an erasure cancels the person's upcoming bookings.

Cal.com's API v2 cancels a booking (POST /v2/bookings/{uid}/cancel) but cannot erase one,
so bookings already held are for a person to have deleted: a step waits with the uids.
"""

from django.utils import timezone

from integrations.calcom.client import CalcomClient
from integrations.calcom.errors import CalcomError, CalcomRejected

from ..models import Right
from ..pipeline import Outcome, RightsStep, StepRun, register_step
from ..stores import Holdings
from .faults import step_fault

FIX = "Check the Cal.com API key (CALCOM_API_KEY) owns this booking, then retry this step"
REASON = "Cancelled at the attendee's request (GDPR Art. 17)"
LIVE = ("scheduled",)


def _upcoming(found: Holdings) -> list[dict]:
    now = timezone.now()
    return [b for b in found.bookings if b["status"] in LIVE and b["end_time"] >= now]


def _past(found: Holdings) -> list[dict]:
    upcoming = {b["uid"] for b in _upcoming(found)}
    return [b for b in found.bookings if b["uid"] not in upcoming]


@register_step(Right.ERASURE)
class CalcomCancel(RightsStep):
    """One row per upcoming booking; Cal.com emails the host and the attendee."""

    name = "calcom.cancel"
    recipient = "calcom"
    atomic = False
    max_attempts = 12

    def targets(self, *, request, found) -> list[tuple[str, dict]]:
        return [(b["uid"], {"uid": b["uid"]}) for b in _upcoming(found)]

    def execute(self, run: StepRun) -> Outcome:
        uid = run.params["uid"]
        client = CalcomClient.from_settings()
        if client is None:
            return Outcome.waiting(
                f"The Cal.com API is not configured here (CALCOM_API_KEY). In Cal.com, open "
                f"Bookings > Upcoming, cancel booking {uid}, then mark this step done."
            )
        with client:
            try:
                return self._cancel(client, uid, retried=run.step.attempts > 1)
            except CalcomError as error:
                raise step_fault(error, fix=FIX) from error

    def _cancel(self, client: CalcomClient, uid: str, *, retried: bool) -> Outcome:
        # A cancel is not idempotent at Cal.com: after a timeout, ask before cancelling again.
        if retried and client.booking(uid).cancelled:
            return _cancelled(uid, "was already cancelled at Cal.com")
        try:
            booking = client.cancel_booking(uid, reason=REASON)
        except CalcomRejected as error:
            if error.status == 404:
                return Outcome.done(
                    {"uid": uid, "status": "absent"}, "Cal.com holds no such booking"
                )
            if error.status == 400 and client.booking(uid).cancelled:
                return _cancelled(uid, "was already cancelled at Cal.com")
            raise
        return _cancelled(uid, "cancelled at Cal.com", status=booking.status)


def _cancelled(uid: str, how: str, *, status: str = "cancelled") -> Outcome:
    return Outcome.done({"uid": uid, "status": status}, f"booking {uid} {how}")


@register_step(Right.ERASURE)
class CalcomPastBookings(RightsStep):
    """Cal.com's API cannot erase bookings that took place: a person asks Cal.com to."""

    name = "calcom.past"
    recipient = "calcom"
    atomic = False

    def targets(self, *, request, found) -> list[tuple[str, dict]]:
        past = [
            {"uid": b["uid"], "start": b["start_time"].strftime("%Y-%m-%d %H:%M UTC")}
            for b in _past(found)
        ]
        return [("past", {"bookings": past})] if past else []

    def execute(self, run: StepRun) -> Outcome:
        listed = "; ".join(f"{b['uid']} ({b['start']})" for b in run.params["bookings"])
        return Outcome.waiting(
            "Cal.com's API cannot erase past bookings. Sign in to Cal.com, open Bookings > "
            f"Past, find booking(s) {listed}, and ask Cal.com support to delete them with the "
            "attendee's name and email (GDPR Art. 17, our data processing agreement). "
            "Mark this step done with their answer."
        )
