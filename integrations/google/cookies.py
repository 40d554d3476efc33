"""What Google Analytics 4 keeps in first-party cookies, and how to read the client id.

gtag.js stores the client id in `_ga` as `GA1.<domain depth>.<random>.<first visit ts>`;
the client id GA4 knows the user by (and the User Deletion API takes as `clientId`) is the
last two parts. `_ga_<container>` holds session state. See
https://developers.google.com/analytics/devguides/collection/ga4/reference/config#client_id
"""

import re

# Every cookie gtag.js may set for GA4 (and the Google Ads linker, which we never enable).
GA_COOKIE = re.compile(r"^_(ga|ga_[A-Za-z0-9]+|gid|gat(_[A-Za-z0-9_]+)?|gcl_[a-z]+)$")
_CLIENT_ID = re.compile(r"^GA\d\.\d+\.(\d{1,20}\.\d{1,12})$")


def is_ga_cookie(name: str) -> bool:
    return bool(GA_COOKIE.match(name))


def client_id_from_cookie(value: str) -> str:
    """'GA1.1.1234567890.1700000000' -> '1234567890.1700000000'; '' when it is not one."""
    match = _CLIENT_ID.match((value or "").strip())
    return match.group(1) if match else ""
