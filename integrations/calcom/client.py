"""A thin typed client for the part of Cal.com's API v2 the rights desk uses (STYLE §5).

Every call has a timeout, sends the API key as a Bearer token and the `cal-api-version`
header (without it Cal.com silently answers with an older version of the endpoint), and
turns any failure into a CalcomError subclass. One method call is one HTTP request, except
`bookings_for_attendee`, which walks the pages.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from .errors import CalcomError, from_response, from_transport
from .payloads import ApiBooking

DEFAULT_API_URL = "https://api.cal.com"
# cal.com/docs/api-reference/v2/bookings/get-all-bookings (take/skip pagination)
BOOKINGS = "/v2/bookings"
# cal.com/docs/api-reference/v2/bookings/get-a-booking
BOOKING = "/v2/bookings/{uid}"
# cal.com/docs/api-reference/v2/bookings/cancel-a-booking
CANCEL_BOOKING = "/v2/bookings/{uid}/cancel"
# The version both endpoints document for these shapes ("Must be set to 2024-08-13").
API_VERSION = "2024-08-13"
API_VERSION_HEADER = "cal-api-version"

PAGE_SIZE = 100
MAX_PAGES = 50  # 5,000 bookings for one attendee is a runaway loop, not a person
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class CalcomClient:
    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_API_URL,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={
                "Authorization": f"Bearer {api_key}",
                API_VERSION_HEADER: API_VERSION,
                "Accept": "application/json",
                "User-Agent": "leadkeeper/0.1 (+calcom integration)",
            },
            timeout=timeout,
            transport=transport,
        )

    @classmethod
    def from_settings(cls) -> CalcomClient | None:
        """The configured client, or None while CALCOM_API_KEY is unset (integration off)."""
        from django.conf import settings

        if not settings.CALCOM_API_KEY:
            return None
        return cls(api_key=settings.CALCOM_API_KEY, base_url=settings.CALCOM_API_URL)

    def __enter__(self) -> CalcomClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _request(self, method: str, endpoint: str, *, path: str, **kwargs: Any) -> Any:
        # `endpoint` is the template (for messages: no booking uid or email in them).
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise from_transport(error, endpoint=endpoint) from error
        if not response.is_success:
            raise from_response(response, endpoint=endpoint)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or body.get("status") != "success":
            raise CalcomError(
                f"Cal.com {endpoint} answered {response.status_code} without a success body",
                status=response.status_code,
            )
        return body

    def _booking(self, data: Any, *, endpoint: str) -> ApiBooking:
        try:
            return ApiBooking.from_api(data)
        except ValidationError as error:
            fields = ", ".join(".".join(map(str, e["loc"])) for e in error.errors())
            raise CalcomError(f"Cal.com {endpoint} returned a booking without {fields}") from None

    def cancel_booking(self, uid: str, *, reason: str) -> ApiBooking:
        """Cancel one booking; Cal.com emails the attendee and the host.

        Not idempotent at Cal.com: after a timeout, `booking(uid)` tells whether it happened.
        """
        body = self._request(
            "POST",
            CANCEL_BOOKING,
            path=CANCEL_BOOKING.format(uid=quote(uid, safe="")),
            json={"cancellationReason": reason},
        )
        data = body.get("data")
        if isinstance(data, list):  # a recurring booking answers with every occurrence
            data = next((d for d in data if isinstance(d, dict) and d.get("uid") == uid), None)
        return self._booking(data, endpoint=CANCEL_BOOKING)

    def booking(self, uid: str) -> ApiBooking:
        body = self._request("GET", BOOKING, path=BOOKING.format(uid=quote(uid, safe="")))
        return self._booking(body.get("data"), endpoint=BOOKING)

    def bookings_for_attendee(self, email: str, *, status: str = "upcoming") -> list[ApiBooking]:
        """Every booking with this attendee email in one status (default: upcoming)."""
        found: list[ApiBooking] = []
        for page in range(MAX_PAGES):
            params = {
                "attendeeEmail": email,
                "status": status,
                "take": PAGE_SIZE,
                "skip": page * PAGE_SIZE,
            }
            body = self._request("GET", BOOKINGS, path=BOOKINGS, params=params)
            items = body.get("data") or []
            found.extend(self._booking(item, endpoint=BOOKINGS) for item in items)
            if not (body.get("pagination") or {}).get("hasNextPage") or len(items) < PAGE_SIZE:
                return found
        raise CalcomError(f"Cal.com {BOOKINGS} had more than {MAX_PAGES} pages for one attendee")
