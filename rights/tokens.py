"""Signed links: the single-use verification link (24 h) and the export download link.

django.core.signing gives the signature and the age; the single use is ours: the link
carries a nonce the request holds until the link is used (EDPB 01/2022: a proportionate
check that the requester controls the address, no ID copies).
"""

from datetime import timedelta

from django.core import signing

from .errors import LinkExpired, LinkForged

VERIFY_SALT = "rights.verify"
DOWNLOAD_SALT = "rights.download"
VERIFY_VALID = timedelta(hours=24)
DOWNLOAD_VALID = timedelta(days=7)


def verification_token(*, reference: str, nonce: str) -> str:
    return signing.dumps({"r": reference, "n": nonce}, salt=VERIFY_SALT, compress=True)


def download_token(*, export_id: int, reference: str) -> str:
    return signing.dumps({"e": export_id, "r": reference}, salt=DOWNLOAD_SALT, compress=True)


def _load(token: str, *, salt: str, max_age: timedelta) -> dict:
    try:
        value = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as error:
        raise LinkExpired(f"the link is older than {max_age}") from error
    except signing.BadSignature as error:
        raise LinkForged("the link's signature does not match") from error
    if not isinstance(value, dict):
        raise LinkForged("the link carries no request")
    return value


def read_verification_token(token: str) -> tuple[str, str]:
    """(reference, nonce) of a genuine link younger than 24 hours."""
    value = _load(token, salt=VERIFY_SALT, max_age=VERIFY_VALID)
    return str(value.get("r", "")), str(value.get("n", ""))


def read_download_token(token: str) -> tuple[int, str]:
    """(export id, reference) of a genuine download link younger than its validity."""
    value = _load(token, salt=DOWNLOAD_SALT, max_age=DOWNLOAD_VALID)
    try:
        return int(value.get("e")), str(value.get("r", ""))
    except (TypeError, ValueError):
        raise LinkForged("the link carries no export") from None
