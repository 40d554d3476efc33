"""Attribution fields (policy §2: UTM tags and referral source), normalised once, here."""

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
CLICK_ID_FIELDS = ("gclid", "yclid", "fbclid")
ATTRIBUTION_PARAMS = frozenset(UTM_FIELDS + CLICK_ID_FIELDS)


def _printable(value: str) -> str:
    return "".join(ch for ch in value if ch.isprintable())


def normalise_utm(value: str | None) -> str:
    """Lower-case, trimmed, inner whitespace folded, at most 200 characters."""
    return " ".join(_printable(value or "").lower().split())[:200]


def normalise_click_id(value: str | None) -> str:
    return _printable(value or "").strip()[:255]


def normalise_url(value: str | None, *, keep_query: frozenset[str] = ATTRIBUTION_PARAMS) -> str:
    """An http(s) URL without credentials, fragment, or query parameters other than UTM/click ids.

    Anything that is not an http(s) URL becomes "": a referrer is a hint, not user content.
    """
    value = _printable(value or "").strip()
    if not value:
        return ""
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return ""
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() in keep_query])
    return urlunsplit((parts.scheme, host, parts.path or "/", query, ""))[:1000]


def referrer_host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return ""


def attribution_from(data: dict) -> dict[str, str]:
    """The attribution fields of a lead from form or JSON data (missing ones are '')."""
    fields = {name: normalise_utm(data.get(name)) for name in UTM_FIELDS}
    fields.update({name: normalise_click_id(data.get(name)) for name in CLICK_ID_FIELDS})
    fields["referrer"] = normalise_url(data.get("referrer"))
    fields["landing_page"] = normalise_url(data.get("landing_page"))
    return fields
