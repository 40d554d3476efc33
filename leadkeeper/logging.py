"""Keep personal data out of logs (STYLE §8).

Code logs event names and ids. This filter is the safety net: it rewrites any phone number,
email address or IP address that slipped into a message, its arguments or its extras.
"""

import ipaddress
import logging
import re
from urllib.parse import unquote_plus

MASK = "[MASKED]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
# Runs of digits with the separators phone numbers are written with; 7 to 15 digits is a phone.
_PHONE_CANDIDATE = re.compile(r"(?<![\w.-])\+?\(?\d[\d\s().-]{5,}\d(?![\w:-])")


def _mask_ip(match: re.Match[str]) -> str:
    try:
        ipaddress.ip_address(match.group(0))
    except ValueError:
        return match.group(0)
    return MASK


_DECIMAL = re.compile(r"\d+\.\d+")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2})?")


def _mask_phone(match: re.Match[str]) -> str:
    if _DATE.fullmatch(match.group(0).strip()) or _DECIMAL.fullmatch(match.group(0)):
        return match.group(0)
    digits = sum(ch.isdigit() for ch in match.group(0))
    return MASK if 7 <= digits <= 15 else match.group(0)


_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
# Kommo's webhook is configured by URL alone, so its secret is a path segment: every access
# log and 4xx line would carry the one credential of the endpoint (issue 15).
_KOMMO_HOOK = re.compile(r"(/hooks/kommo/)[^/\s?#\"']*")


def redact(text: str) -> str:
    text = _KOMMO_HOOK.sub(rf"\g<1>{MASK}", text)
    if _PERCENT.search(text):
        # A phone or email inside a URL's query string arrives percent-encoded (%2B7916…).
        text = unquote_plus(text)
        text = _KOMMO_HOOK.sub(rf"\g<1>{MASK}", text)
    text = _EMAIL.sub(MASK, text)
    text = _IPV6_CANDIDATE.sub(_mask_ip, text)
    text = _IPV4.sub(_mask_ip, text)
    return _PHONE_CANDIDATE.sub(_mask_phone, text)


_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "extra_ids"}
# Extras Django attaches that are objects, not facts worth a log line (and may hold IPs).
_SKIPPED = {"request", "server_time"}


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        extras = {}
        for key, value in list(vars(record).items()):
            if key in _STANDARD:
                continue
            if key in _SKIPPED or not isinstance(value, str | int | float | bool | None):
                setattr(record, key, MASK)
                continue
            clean = redact(str(value))
            setattr(record, key, clean)
            extras[key] = clean
        record.extra_ids = " ".join(f"{k}={v}" for k, v in sorted(extras.items()))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
