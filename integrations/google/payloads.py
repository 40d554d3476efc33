"""Google Analytics wire formats, as frozen dataclasses built by `from_api`.

User Deletion API, `userDeletionRequest`:
https://developers.google.com/analytics/devguides/config/userdeletion/v3/reference/userDeletion/userDeletionRequest
`{"kind": "analytics#userDeletionRequest", "id": {"type": "CLIENT_ID", "userId": ...},
"propertyId": ..., "deletionRequestTime": datetime}` (propertyId for GA4; webPropertyId is
Universal Analytics').

Admin API `DataRetentionSettings`:
https://developers.google.com/analytics/devguides/config/admin/v1/rest/v1beta/DataRetentionSettings
`{"name", "eventDataRetention": RetentionDuration, "userDataRetention": RetentionDuration,
"resetUserDataOnNewActivity": bool}`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import GoogleError

DELETION_KIND = "analytics#userDeletionRequest"
CLIENT_ID = "CLIENT_ID"

# RetentionDuration -> months; RETENTION_DURATION_UNSPECIFIED and values Google adds later
# read as None ("unknown"), so a caller never mistakes them for a short period.
RETENTION_MONTHS = {
    "TWO_MONTHS": 2,
    "FOURTEEN_MONTHS": 14,
    "TWENTY_SIX_MONTHS": 26,
    "THIRTY_EIGHT_MONTHS": 38,
    "FIFTY_MONTHS": 50,
}

_FRACTION = re.compile(r"(\.\d{6})\d+")


def parse_timestamp(value: Any) -> datetime:
    """RFC 3339 as Google writes it ("...Z", up to nanoseconds) -> an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise ValueError("not a timestamp")
    parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def user_deletion_request(*, client_id: str, property_id: str) -> dict[str, Any]:
    """The upsert body for one GA4 client id (the `_ga` cookie's last two parts)."""
    return {
        "kind": DELETION_KIND,
        "id": {"type": CLIENT_ID, "userId": client_id},
        "propertyId": property_id,
    }


@dataclass(frozen=True)
class DeletionReceipt:
    """Google's acknowledgement: the deletion is scheduled, and completes within days."""

    property_id: str
    deletion_request_time: datetime

    @classmethod
    def from_api(cls, data: Any) -> DeletionReceipt:
        if not isinstance(data, dict):
            raise GoogleError("Google userDeletionRequests:upsert answered without a JSON object")
        try:
            when = parse_timestamp(data.get("deletionRequestTime"))
        except ValueError:
            raise GoogleError(
                "Google userDeletionRequests:upsert answered without a deletionRequestTime"
            ) from None
        return cls(property_id=str(data.get("propertyId", "")), deletion_request_time=when)


@dataclass(frozen=True)
class DataRetentionSettings:
    name: str
    event_data_retention: str
    user_data_retention: str
    reset_user_data_on_new_activity: bool

    @classmethod
    def from_api(cls, data: Any) -> DataRetentionSettings:
        if not isinstance(data, dict) or "eventDataRetention" not in data:
            raise GoogleError("Google dataRetentionSettings answered without eventDataRetention")
        return cls(
            name=str(data.get("name", "")),
            event_data_retention=str(data["eventDataRetention"]),
            # Older answers lack it; unspecified reads as "unknown", never as short.
            user_data_retention=str(
                data.get("userDataRetention", "RETENTION_DURATION_UNSPECIFIED")
            ),
            reset_user_data_on_new_activity=bool(data.get("resetUserDataOnNewActivity", False)),
        )

    @property
    def event_months(self) -> int | None:
        return RETENTION_MONTHS.get(self.event_data_retention)

    @property
    def user_months(self) -> int | None:
        return RETENTION_MONTHS.get(self.user_data_retention)
