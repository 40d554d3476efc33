"""A local Google: token endpoint, User Deletion API and Admin API on 127.0.0.1.

It follows Google's documentation:
- POST /token (OAuth 2.0 JWT bearer grant, developers.google.com/identity/protocols/oauth2/
  service-account): form `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=`;
  the assertion's RS256 signature is verified with the test key's public key, `aud` must be
  Google's https://oauth2.googleapis.com/token (google-auth sends it whatever the key
  file's token_uri says, as Google documents) and `iss` the service account; answers
  {access_token, expires_in: 3599, token_type}, or 400 {"error": "invalid_grant", ...};
- POST /analytics/v3/userDeletion/userDeletionRequests:upsert: the body echoed with
  deletionRequestTime; needs the analytics.user.deletion scope; quota per property
  (`per_second` in any 1 s, `per_day`) answered as 403 with Google's v3 error body and
  reason rateLimitExceeded / dailyLimitExceeded;
- GET /v1beta/properties/{id}/dataRetentionSettings: the property's settings; needs
  analytics.readonly (or analytics.edit);
- 401 UNAUTHENTICATED without a valid token, 403 PERMISSION_DENIED for a property the
  service account was not added to; 429 and 5xx on demand. Everything received is recorded.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from google.auth import jwt

from .google_contract import (
    DELETION_SCOPE,
    JWT_GRANT,
    READ_SCOPES,
    TOKEN_AUDIENCE,
    UPSERT_PATH,
    google_error,
    upsert_problem,
)
from .service_account import public_pem, throwaway_key, write_key_file

RETENTION_PATH = re.compile(r"/v1beta/properties/(?P<property_id>[^/]+)/dataRetentionSettings")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class Quota:
    per_second: float = 1.5
    per_day: int = 500
    hits: deque = field(default_factory=deque)
    today: int = 0


class GoogleDouble:
    def __init__(self, *, public_key_pem: bytes, key_id: str, client_email: str) -> None:
        self.public_key_pem = public_key_pem
        self.key_id = key_id
        self.client_email = client_email
        self.lock = threading.RLock()
        self.tokens: dict[str, tuple[set[str], float]] = {}  # token -> (scopes, expiry)
        self.properties: set[str] = set()  # properties the service account may use
        self.retention: dict[str, dict[str, Any]] = {}
        self.quota: dict[str, Quota] = defaultdict(Quota)
        self.deletions: list[dict[str, Any]] = []
        self.received: list[Received] = []
        self.fail_next: deque[int] = deque()
        self.retry_after = "3"
        self.delay = 0.0
        self.key_file: Path | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True

    @classmethod
    def with_service_account(cls, directory: Path, *, properties=("123456789",)) -> GoogleDouble:
        """A started double and a service-account key file for it at `double.key_file`."""
        key = throwaway_key()
        double = cls(
            public_key_pem=public_pem(key),
            key_id="double-key-1",
            client_email="leadkeeper@double-project.iam.gserviceaccount.com",
        ).start()
        double.properties.update(properties)
        double.key_file = write_key_file(
            directory / "service-account.json",
            key=key,
            key_id=double.key_id,
            client_email=double.client_email,
            token_uri=double.token_url,
        )
        return double

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    @property
    def upsert_url(self) -> str:
        return f"{self.url}{UPSERT_PATH}"

    def start(self) -> GoogleDouble:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def calls(self, path: str) -> list[Received]:
        """What the double received at `path` (UPSERT_PATH, "/token", ...), in order."""
        with self.lock:
            return [r for r in self.received if r.path == path]

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    # --- HTTP ------------------------------------------------------------------------------

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        double = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                headers = {k.lower(): v for k, v in self.headers.items()}
                if headers.get("content-type", "").startswith("application/x-www-form"):
                    body: Any = dict(parse_qsl(raw.decode()))
                else:
                    try:
                        body = json.loads(raw) if raw else None
                    except ValueError:
                        body = "<not json>"
                status, payload, extra = double._dispatch(method, parts.path, body, headers)
                with double.lock:
                    double.received.append(Received(method, parts.path, headers, body, status))
                data = json.dumps(payload).encode()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
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

    def _dispatch(self, method: str, path: str, body: Any, headers: dict):
        if self.delay:
            time.sleep(self.delay)
        with self.lock:
            forced = self.fail_next.popleft() if self.fail_next else None
        if forced == 429:
            message = "Resource has been exhausted (e.g. check quota)."
            extra = {"Retry-After": self.retry_after} if self.retry_after else {}
            return 429, google_error(429, message), extra
        if forced is not None:
            return forced, google_error(forced, "The service is currently unavailable."), {}
        if method == "POST" and path == "/token":
            return self._token(body)
        scopes = self._scopes(headers.get("authorization", ""))
        if scopes is None:
            message = "Request had invalid authentication credentials."
            return 401, google_error(401, message, reason="authError"), {}
        if method == "POST" and path == UPSERT_PATH:
            return self._upsert(body, scopes)
        match = RETENTION_PATH.fullmatch(path)
        if method == "GET" and match:
            return self._retention(match["property_id"], scopes)
        return 404, google_error(404, f"no route {method} {path}", reason="notFound"), {}

    def _scopes(self, authorization: str) -> set[str] | None:
        token = authorization.removeprefix("Bearer ")
        with self.lock:
            found = self.tokens.get(token)
        if not authorization.startswith("Bearer ") or found is None or found[1] < time.time():
            return None
        return found[0]

    def _token(self, form: Any):
        def invalid(description: str):
            return 400, {"error": "invalid_grant", "error_description": description}, {}

        if not isinstance(form, dict) or form.get("grant_type") != JWT_GRANT:
            return (
                400,
                {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"},
                {},
            )
        try:
            claims = jwt.decode(
                form.get("assertion", ""),
                certs={self.key_id: self.public_key_pem.decode()},
                audience=TOKEN_AUDIENCE,
            )
        except ValueError:
            return invalid("Invalid JWT Signature.")
        if claims.get("iss") != self.client_email:
            return invalid("Invalid JWT: iss is not the service account")
        scopes = set(str(claims.get("scope", "")).split())
        if not scopes:
            return (
                400,
                {"error": "invalid_scope", "error_description": "Empty or missing scope"},
                {},
            )
        token = "ya29.double-" + secrets.token_urlsafe(16)
        with self.lock:
            self.tokens[token] = (scopes, time.time() + 3599)
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}, {}

    def _forbidden_property(self, property_id: str):
        message = "User does not have sufficient permissions for this property."
        if property_id not in self.properties:
            return 403, google_error(403, message, reason="insufficientPermissions"), {}
        return None

    def _quota_exceeded(self, property_id: str):
        now = time.monotonic()
        with self.lock:
            quota = self.quota[property_id]
            while quota.hits and now - quota.hits[0] >= 1.0:
                quota.hits.popleft()
            if quota.today >= quota.per_day:
                reason, message = "dailyLimitExceeded", "Quota Error: Daily limit exceeded."
            elif len(quota.hits) + 1 > quota.per_second:
                reason, message = "rateLimitExceeded", "Quota Error: Rate limit exceeded."
            else:
                quota.hits.append(now)
                quota.today += 1
                return None
        return 403, google_error(403, message, reason=reason, domain="usageLimits"), {}

    def _upsert(self, body: Any, scopes: set[str]):
        if DELETION_SCOPE not in scopes:
            message = "Request had insufficient authentication scopes."
            return 403, google_error(403, message, reason="insufficientPermissions"), {}
        problem = upsert_problem(body)
        if problem:
            return 400, google_error(400, problem, reason="invalid"), {}
        property_id = body.get("propertyId") or body.get("webPropertyId")
        refused = self._forbidden_property(property_id) or self._quota_exceeded(property_id)
        if refused:
            return refused
        answer = dict(
            body, deletionRequestTime=datetime.now(UTC).isoformat().replace("+00:00", "Z")
        )
        with self.lock:
            self.deletions.append(answer)
        return 200, answer, {}

    def _retention(self, property_id: str, scopes: set[str]):
        if not scopes & READ_SCOPES:
            message = "Request had insufficient authentication scopes."
            return 403, google_error(403, message, reason="ACCESS_TOKEN_SCOPE_INSUFFICIENT"), {}
        refused = self._forbidden_property(property_id)
        if refused:
            return refused
        settings = {
            "eventDataRetention": "TWO_MONTHS",
            "userDataRetention": "TWO_MONTHS",
            "resetUserDataOnNewActivity": True,
            **self.retention.get(property_id, {}),
        }
        return 200, {"name": f"properties/{property_id}/dataRetentionSettings", **settings}, {}
