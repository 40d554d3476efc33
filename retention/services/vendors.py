"""Recipients' own retention, checked against the register (policy §5, §6).

Google Analytics keeps event data for its property's configured period; the register
promises 14 months for analytics data, so the property must not keep it longer, and a
reset on new activity would let a returning visitor's data live on indefinitely.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from integrations.google.client import GoogleAnalyticsClient
from integrations.google.errors import GoogleError
from register.selectors import retention_rule

logger = logging.getLogger(__name__)

# The register rule that covers what Google Analytics receives (cookies, interaction).
GA_RULE = "analytics"


@dataclass(frozen=True)
class VendorCheck:
    vendor: str
    ok: bool | None  # None: could not check
    lines: list[str]


def check_google_analytics() -> VendorCheck:
    """Compare the GA4 property's DataRetentionSettings with the register's period."""
    rule = retention_rule(GA_RULE)
    client = GoogleAnalyticsClient.from_settings()
    if client is None:
        return VendorCheck(
            "google_analytics",
            None,
            ["could not check: GA_PROPERTY_ID and GA_SERVICE_ACCOUNT_FILE are not set"],
        )
    try:
        with client:
            found = client.data_retention_settings()
    except GoogleError as error:
        logger.warning("retention.vendor_check.failed", extra={"error": type(error).__name__})
        return VendorCheck("google_analytics", None, [f"could not check: {error}"])
    return VendorCheck("google_analytics", *_compare(found, limit=rule.months or 0))


def _compare(found: object, *, limit: int) -> tuple[bool, list[str]]:
    lines = []
    for what, months, raw in (
        ("event data", found.event_months, found.event_data_retention),
        ("user data", found.user_months, found.user_data_retention),
    ):
        if months is None:
            lines.append(
                f"WARNING: GA4 {what} retention is {raw}: unknown, the register says {limit} months"
            )
        elif months > limit:
            lines.append(
                f"WARNING: GA4 keeps {what} {months} months, longer than the register's {limit}"
            )
        else:
            lines.append(f"GA4 keeps {what} {months} months (register: {limit})")
    if found.reset_user_data_on_new_activity:
        lines.append(
            "WARNING: GA4 resets user data retention on new activity, so a returning "
            f"visitor's data can outlive {limit} months: turn it off"
        )
    return not any(line.startswith("WARNING") for line in lines), lines
