"""Service-account access tokens for Google's APIs, through google-auth.

google-auth reads the key file (and honours its `token_uri`, which is how tests point it at
a local token endpoint), signs the JWT assertion and parses the token answer; we give it an
httpx transport instead of `requests` and keep the token until google-auth says it is
about to expire (it refreshes a few minutes early).
https://developers.google.com/identity/protocols/oauth2/service-account#httprest
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

import httpx
from google.auth import exceptions as auth_exceptions
from google.auth import transport
from google.oauth2 import service_account

from .errors import GoogleCredentialsInvalid, from_auth

# https://developers.google.com/analytics/devguides/config/userdeletion/v3/reference/userDeletion/userDeletionRequest/upsert
USER_DELETION_SCOPE = "https://www.googleapis.com/auth/analytics.user.deletion"
# https://developers.google.com/analytics/devguides/config/admin/v1/rest/v1beta/properties/getDataRetentionSettings
READONLY_SCOPE = "https://www.googleapis.com/auth/analytics.readonly"
TOKEN_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


class _Response(transport.Response):
    def __init__(self, response: httpx.Response) -> None:
        self._response = response

    @property
    def status(self) -> int:
        return self._response.status_code

    @property
    def headers(self) -> Mapping[str, str]:
        return self._response.headers

    @property
    def data(self) -> bytes:
        return self._response.content


class HttpxRequest(transport.Request):
    """google-auth's transport interface over an httpx client (google-auth ships none)."""

    def __init__(self, http: httpx.Client) -> None:
        self._http = http

    def __call__(self, url, method="GET", body=None, headers=None, timeout=None, **kwargs):
        try:
            response = self._http.request(
                method,
                url,
                content=body,
                headers=headers,
                timeout=timeout if timeout is not None else TOKEN_TIMEOUT,
            )
        except httpx.TransportError as error:
            raise auth_exceptions.TransportError(type(error).__name__) from error
        return _Response(response)


class ServiceAccountTokens:
    """Access tokens for one service account, cached in this process until near expiry."""

    def __init__(
        self,
        *,
        key_file: str,
        scopes: Sequence[str] = (USER_DELETION_SCOPE, READONLY_SCOPE),
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        try:
            self._credentials = service_account.Credentials.from_service_account_file(
                key_file, scopes=list(scopes)
            )
        except (OSError, ValueError, KeyError) as error:
            raise GoogleCredentialsInvalid(
                f"GA_SERVICE_ACCOUNT_FILE {key_file} is not a service-account key: "
                f"{type(error).__name__} {error}"[:300]
            ) from None
        self._http = httpx.Client(timeout=TOKEN_TIMEOUT, transport=transport)
        self._request = HttpxRequest(self._http)
        self._lock = threading.Lock()

    @property
    def service_account_email(self) -> str:
        return self._credentials.service_account_email

    def token(self) -> str:
        """A valid access token, fetched from the key's token_uri only when needed."""
        with self._lock:
            if not self._credentials.valid:
                try:
                    self._credentials.refresh(self._request)
                except auth_exceptions.GoogleAuthError as error:
                    raise from_auth(error) from error
            return self._credentials.token

    def invalidate(self) -> None:
        """Forget the token (Google answered 401): the next call fetches a new one."""
        with self._lock:
            self._credentials.token = None

    def close(self) -> None:
        self._http.close()
