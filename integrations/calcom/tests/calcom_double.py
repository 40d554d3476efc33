"""A local Cal.com: a real HTTP server on 127.0.0.1 that speaks the part of API v2 we call.

It follows cal.com/docs/api-reference/v2 (cal-api-version 2024-08-13):
- GET /v2/bookings?attendeeEmail=&status=upcoming|past|cancelled&take=&skip=: answers
  {"status": "success", "data": [BookingOutput...], "pagination": {..., hasNextPage}};
- GET /v2/bookings/{uid}: {"status": "success", "data": BookingOutput};
- POST /v2/bookings/{uid}/cancel with {"cancellationReason"}: the booking turns
  "cancelled"; an unknown uid is 404 NotFoundException, a cancelled one 400;
- errors as {"status": "error", "timestamp", "path", "error": {"code", "message"}};
- 401 without `Authorization: Bearer <api key>`; 400 without the cal-api-version header
  (Cal.com would silently answer an older version: the double makes that mistake loud);
- 429 with Retry-After, 5xx and slowness on demand. Everything received is recorded.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

API_VERSION = "2024-08-13"


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    status: int


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class CalcomDouble:
    def __init__(self, *, api_key: str = "cal_test_double", retry_after: str = "7") -> None:
        self.api_key = api_key
        self.retry_after = retry_after
        self.lock = threading.RLock()
        self.bookings: dict[str, dict[str, Any]] = {}
        self.received: list[Received] = []
        self.fail_next: deque[int] = deque()  # statuses to answer the next requests with
        self.delay = 0.0
        self._next_id = 100
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> CalcomDouble:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> CalcomDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- helpers for tests ---------------------------------------------------------------

    def add_booking(
        self, *, email: str, start: datetime, minutes: int = 30, uid: str = "", status="accepted"
    ) -> str:
        with self.lock:
            self._next_id += 1
            uid = uid or f"uid{self._next_id}"
            self.bookings[uid] = {
                "id": self._next_id,
                "uid": uid,
                "title": "Consultation",
                "status": status,
                "start": _iso(start),
                "end": _iso(start + timedelta(minutes=minutes)),
                "duration": minutes,
                "hosts": [{"id": 1, "name": "Host", "email": "host@example.com"}],
                "attendees": [{"name": "Attendee", "email": email, "timeZone": "Europe/Moscow"}],
                "createdAt": _iso(datetime.now(UTC)),
            }
            return uid

    def calls(self, method: str, path: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.method == method and r.path == path]

    # --- HTTP ------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = "<not json>"
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, payload, extra = double._dispatch(method, parts.path, query, body, headers)
                with double.lock:
                    double.received.append(
                        Received(method, parts.path, query, headers, body, status)
                    )
                data = json.dumps(payload).encode()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    for key, value in extra.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

        return Handler

    def _error(self, status: int, code: str, message: str, path: str, extra=None):
        body = {
            "status": "error",
            "timestamp": _iso(datetime.now(UTC)),
            "path": path,
            "error": {"code": code, "message": message},
        }
        return status, body, extra or {}

    def _dispatch(self, method: str, path: str, query: dict, body: Any, headers: dict):
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            forced = self.fail_next.popleft() if self.fail_next else None
        if forced == 429:
            extra = {"Retry-After": self.retry_after} if self.retry_after else {}
            return self._error(429, "TooManyRequestsException", "Too Many Requests", path, extra)
        if forced is not None:
            return self._error(forced, "InternalServerErrorException", "forced failure", path)
        if headers.get("authorization") != f"Bearer {self.api_key}":
            return self._error(401, "UnauthorizedException", "Invalid Access Token.", path)
        if headers.get("cal-api-version") != API_VERSION:
            return self._error(400, "BadRequestException", "cal-api-version missing", path)
        segments = [unquote(s) for s in path.strip("/").split("/")]
        if method == "GET" and segments == ["v2", "bookings"]:
            return self._list(query, path)
        if method == "GET" and len(segments) == 3 and segments[:2] == ["v2", "bookings"]:
            return self._get(segments[2], path)
        if method == "POST" and len(segments) == 4 and segments[3] == "cancel":
            return self._cancel(segments[2], body, path)
        return self._error(404, "NotFoundException", f"Cannot {method} {path}", path)

    def _matches(self, booking: dict, *, email: str, status: str, now: datetime) -> bool:
        if email and email.lower() not in {a["email"].lower() for a in booking["attendees"]}:
            return False
        end = datetime.fromisoformat(booking["end"].replace("Z", "+00:00"))
        cancelled = booking["status"] in ("cancelled", "rejected")
        return {
            "upcoming": not cancelled and end >= now,
            "past": not cancelled and end < now,
            "cancelled": cancelled,
            "": True,
        }.get(status, False)

    def _list(self, query: dict, path: str):
        take, skip = int(query.get("take", 100)), int(query.get("skip", 0))
        if not 1 <= take <= 250:
            return self._error(
                400, "BadRequestException", "take must not be greater than 250", path
            )
        now = datetime.now(UTC)
        with self.lock:
            matching = [
                dict(b)
                for b in self.bookings.values()
                if self._matches(
                    b, email=query.get("attendeeEmail", ""), status=query.get("status", ""), now=now
                )
            ]
        page = matching[skip : skip + take]
        total = len(matching)
        pagination = {
            "totalItems": total,
            "remainingItems": max(0, total - skip - len(page)),
            "returnedItems": len(page),
            "itemsPerPage": take,
            "currentPage": skip // take + 1,
            "totalPages": max(1, -(-total // take)),
            "hasNextPage": skip + len(page) < total,
            "hasPreviousPage": skip > 0,
        }
        return 200, {"status": "success", "data": page, "pagination": pagination}, {}

    def _get(self, uid: str, path: str):
        with self.lock:
            booking = self.bookings.get(uid)
        if booking is None:
            return self._error(
                404, "NotFoundException", f"Booking with uid={uid} was not found", path
            )
        return 200, {"status": "success", "data": dict(booking)}, {}

    def _cancel(self, uid: str, body: Any, path: str):
        if body is not None and not isinstance(body, dict):
            return self._error(400, "BadRequestException", "body must be an object", path)
        with self.lock:
            booking = self.bookings.get(uid)
            if booking is None:
                return self._error(
                    404, "NotFoundException", f"Booking with uid={uid} was not found", path
                )
            if booking["status"] == "cancelled":
                return self._error(400, "BadRequestException", "Booking is already cancelled", path)
            booking["status"] = "cancelled"
            booking["cancellationReason"] = (body or {}).get("cancellationReason")
            return 200, {"status": "success", "data": dict(booking)}, {}
