"""What Google's APIs accept and how they answer errors, for the double (google_double.py).

Error bodies: https://cloud.google.com/apis/design/errors (v3 APIs also list `errors[]`
with `domain` and `reason`, e.g. usageLimits / rateLimitExceeded).
"""

from __future__ import annotations

from typing import Any

UPSERT_PATH = "/analytics/v3/userDeletion/userDeletionRequests:upsert"
DELETION_SCOPE = "https://www.googleapis.com/auth/analytics.user.deletion"
READ_SCOPES = {
    "https://www.googleapis.com/auth/analytics.readonly",
    "https://www.googleapis.com/auth/analytics.edit",
}
TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
USER_ID_TYPES = {"CLIENT_ID", "USER_ID", "APP_INSTANCE_ID"}


def google_error(status: int, message: str, *, reason: str = "", domain: str = "global"):
    """Google's JSON error body (v3 `errors[]` plus the newer `status`)."""
    rpc = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED"}
    error: dict[str, Any] = {"code": status, "message": message}
    if reason:
        error["errors"] = [{"message": message, "domain": domain, "reason": reason}]
    error["status"] = rpc.get(status, "INVALID_ARGUMENT" if status == 400 else "UNAVAILABLE")
    return {"error": error}


def upsert_problem(body: Any) -> str:
    if not isinstance(body, dict):
        return "Invalid JSON payload received."
    if body.get("kind", "analytics#userDeletionRequest") != "analytics#userDeletionRequest":
        return "Invalid value for kind"
    user = body.get("id")
    if not isinstance(user, dict) or user.get("type") not in USER_ID_TYPES:
        return "Field id.type is required: one of APP_INSTANCE_ID, CLIENT_ID or USER_ID"
    if not user.get("userId"):
        return "Field id.userId is required"
    targets = [k for k in ("propertyId", "webPropertyId", "firebaseProjectId") if body.get(k)]
    if len(targets) != 1:
        return "Exactly one of propertyId, webPropertyId or firebaseProjectId is required"
    return ""
