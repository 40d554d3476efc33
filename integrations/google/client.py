"""A thin typed client for the two Google Analytics APIs we call (STYLE §5).

- User Deletion API, `userDeletionRequests:upsert` (GDPR Art. 17 at Google): one request
  per client id, paced by the caller's DeletionPacer under Google's quota.
- Admin API, `properties/{id}/dataRetentionSettings` (policy §5: 14 months for analytics).

Every call has a timeout, authenticates with a service-account token (ServiceAccountTokens)
and turns any failure into a GoogleError subclass. One method call is one HTTP request
(plus a token request when the cached token is about to expire).
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import quote

import httpx

from .auth import ServiceAccountTokens
from .errors import GoogleError, from_response, from_transport
from .payloads import DataRetentionSettings, DeletionReceipt, user_deletion_request

# https://developers.google.com/analytics/devguides/config/userdeletion/v3/reference/userDeletion/userDeletionRequest/upsert
USER_DELETION_URL = (
    "https://www.googleapis.com/analytics/v3/userDeletion/userDeletionRequests:upsert"
)
# https://developers.google.com/analytics/devguides/config/admin/v1/rest/v1beta/properties/getDataRetentionSettings
ADMIN_API_URL = "https://analyticsadmin.googleapis.com"
DATA_RETENTION_SETTINGS = "/v1beta/properties/{property_id}/dataRetentionSettings"
UPSERT = "userDeletionRequests:upsert"  # the endpoint's name in messages
DEFAULT_TIMEOUT = httpx.Timeout(15.0, connect=5.0)


class DeletionPacer(Protocol):
    """Waits until one more user deletion request fits Google's quota for the property.

    Google allows 1.5 requests/s and 500 a day per property, across every process that
    calls for it, so the budget must be shared state the caller owns (integrations own no
    tables): `integrations.google.pacing.SharedDeletionPacer` keeps it in the database.
    Raises GoogleRateLimited(daily=True) when the day's budget is spent.
    """

    def wait_for_slot(self, *, property_id: str) -> None: ...


class GoogleAnalyticsClient:
    def __init__(
        self,
        *,
        tokens: ServiceAccountTokens,
        property_id: str,
        user_deletion_url: str = USER_DELETION_URL,
        admin_api_url: str = ADMIN_API_URL,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._tokens = tokens
        self.property_id = property_id
        self._deletion_url = user_deletion_url
        self._admin_url = admin_api_url.rstrip("/")
        self._http = httpx.Client(
            headers={"Accept": "application/json", "User-Agent": "leadkeeper/0.1 (+google)"},
            timeout=timeout,
            transport=transport,
        )

    @classmethod
    def from_settings(cls) -> GoogleAnalyticsClient | None:
        """The configured client, or None while GA_PROPERTY_ID or the key file is unset."""
        from django.conf import settings

        if not (settings.GA_PROPERTY_ID and settings.GA_SERVICE_ACCOUNT_FILE):
            return None
        return cls(
            tokens=ServiceAccountTokens(key_file=settings.GA_SERVICE_ACCOUNT_FILE),
            property_id=settings.GA_PROPERTY_ID,
            user_deletion_url=settings.GA_USER_DELETION_URL,
            admin_api_url=settings.GA_ADMIN_API_URL,
        )

    def __enter__(self) -> GoogleAnalyticsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        self._tokens.close()

    def _request(self, method: str, url: str, *, endpoint: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self._tokens.token()}"}
        try:
            response = self._http.request(method, url, headers=headers, **kwargs)
        except httpx.TransportError as error:
            raise from_transport(error, endpoint=endpoint) from error
        if response.status_code == 401:
            self._tokens.invalidate()  # revoked or expired early: the retry fetches a new one
        if not response.is_success:
            raise from_response(response, endpoint=endpoint)
        try:
            return response.json()
        except ValueError:
            raise GoogleError(
                f"Google {endpoint} answered {response.status_code} with a body that is not JSON",
                status=response.status_code,
            ) from None

    def request_user_deletion(self, client_id: str, *, pacer: DeletionPacer) -> DeletionReceipt:
        """Ask Google to delete everything GA4 holds for this client id (Art. 17).

        An upsert: sending the same client id again is harmless and answers a new
        deletionRequestTime. Google completes the deletion within days; the receipt's
        time is the proof that we asked.
        """
        if not client_id:
            raise GoogleError("request_user_deletion needs a client id")
        body = user_deletion_request(client_id=client_id, property_id=self.property_id)
        pacer.wait_for_slot(property_id=self.property_id)
        return DeletionReceipt.from_api(
            self._request("POST", self._deletion_url, endpoint=UPSERT, json=body)
        )

    def data_retention_settings(self, property_id: str | None = None) -> DataRetentionSettings:
        """The property's GA4 data retention (defaults to the configured property)."""
        path = DATA_RETENTION_SETTINGS.format(property_id=quote(property_id or self.property_id))
        return DataRetentionSettings.from_api(
            self._request("GET", self._admin_url + path, endpoint="dataRetentionSettings")
        )
