"""Keep personal data out of logs (STYLE §8).

Code logs event names and ids. This filter is the safety net: it rewrites any phone number,
email address or IP address that slipped into a message, its arguments or its extras.
"""

import logging
import re

MASK = "[MASKED]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_IPV6 = re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){2,7}[0-9a-fA-F]{0,4}\b|::(?:[0-9a-fA-F]{1,4}:?){1,7}")
# Seven or more digits, optionally with +, spaces, dots, dashes and brackets between them.
_PHONE = re.compile(r"\+?\d[\d\s().-]{5,}\d")


def redact(text: str) -> str:
    text = _EMAIL.sub(MASK, text)
    text = _IPV6.sub(MASK, text)
    text = _IPV4.sub(MASK, text)
    return _PHONE.sub(MASK, text)


class Masked:
    """A value that must appear in a log line prints as MASKED (fides' approach)."""

    def __init__(self, value: object) -> None:
        self._value = value

    def __str__(self) -> str:
        return MASK

    __repr__ = __str__


_STANDARD = set(vars(logging.makeLogRecord({})))


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        extras.pop("message", None)
        clean = {k: redact(str(v)) for k, v in extras.items() if k != "extra_ids"}
        for key, value in clean.items():
            setattr(record, key, value)
        record.extra_ids = " ".join(f"{k}={v}" for k, v in sorted(clean.items()))
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True
