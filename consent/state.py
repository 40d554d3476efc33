"""The visitor's consent state, carried in the first-party `lk_consent` cookie.

The cookie holds a random consent id (which links every later choice to the earlier ones,
GDPR Art. 7(1)), the optional categories granted, and a short digest of the register's
consent-relevant content at the time of the choice. It is signed with SECRET_KEY, so a page
can trust it without a database query; the proof itself is the ConsentRecord rows.

The signature carries the time of the choice (TimestampSigner): a cookie copied out of a
browser stops working when the register's lifetime for `lk_consent` ("12 months") has run
from that choice, as does the choice itself. Re-writing the cookie (a GA client id seen)
keeps the original time, so an active visitor is still asked again after the lifetime.

When the register's consent digest changes (a new recipient, cookie or purpose), the digest
in the cookie no longer matches: the earlier choice lapses and the banner asks again.
"""

import hashlib
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.http import HttpResponse

from register.loader import consent_digest, register_digest
from register.selectors import cookie_lifetime, optional_consent_categories

COOKIE_NAME = "lk_consent"
# v2: timestamped. A v1 cookie (no timestamp) no longer verifies: its visitor is asked again.
_SALT = "consent.state.v2"


def cookie_max_age() -> timedelta:
    """How long a choice and its cookie last: the register's duration for lk_consent."""
    return cookie_lifetime(COOKIE_NAME)


@lru_cache(maxsize=8)
def _short_digest(register: str) -> str:
    return consent_digest()[:16]


def current_digest() -> str:
    """The register's consent digest, shortened (recomputed only when the register changes)."""
    return _short_digest(register_digest())


def optional_category_ids() -> list[str]:
    return [c.id for c in optional_consent_categories()]


@dataclass(frozen=True)
class ConsentState:
    """What one browser chose. `digest` is empty while no banner choice was made."""

    consent_id: uuid.UUID
    granted: frozenset[str] = frozenset()
    digest: str = ""
    ga_seen: str = ""  # short hash of the GA client id already stored for this consent id
    from_cookie: bool = field(default=False, compare=False)
    # When the cookie was first signed for this choice (epoch seconds); None: not yet.
    signed_at: int | None = field(default=None, compare=False)

    @property
    def decided(self) -> bool:
        return bool(self.digest)

    @property
    def lapsed(self) -> bool:
        return self.decided and self.digest != current_digest()

    @property
    def current(self) -> bool:
        """A banner choice was made under the register as it is now."""
        return self.decided and not self.lapsed

    @property
    def effective(self) -> frozenset[str]:
        """Categories that may be used now: none before a choice, none after a lapse."""
        if not self.current:
            return frozenset()
        return self.granted & frozenset(optional_category_ids())

    def chose(self, granted: set[str]) -> "ConsentState":
        return replace(self, granted=frozenset(granted), digest=current_digest(), signed_at=None)


def new_state() -> ConsentState:
    return ConsentState(consent_id=uuid.uuid4())


def ga_fingerprint(client_id: str) -> str:
    return hashlib.sha256(client_id.encode()).hexdigest()[:8] if client_id else ""


class _Signer(signing.TimestampSigner):
    """TimestampSigner that can sign with the time of the original choice."""

    def __init__(self, at: int | None = None) -> None:
        super().__init__(salt=_SALT)
        self._at = at

    def timestamp(self) -> str:
        return signing.b62_encode(self._at) if self._at is not None else super().timestamp()


def encode_state(state: ConsentState) -> str:
    categories = "+".join(sorted(state.granted)) or "-"
    raw = ".".join([state.consent_id.hex, categories, state.digest or "-", state.ga_seen or "-"])
    return _Signer(at=state.signed_at).sign(raw)


def decode_state(value: str | None) -> ConsentState | None:
    """The state in a cookie value; None when it is missing, tampered with or malformed."""
    if not value:
        return None
    try:
        # SignatureExpired (a BadSignature) once the lifetime has run since the choice.
        raw = _Signer().unsign(value, max_age=cookie_max_age())
        signed_at = signing.b62_decode(value.rsplit(":", 2)[1])
        consent_hex, categories, digest, ga_seen = raw.split(".")
        consent_id = uuid.UUID(hex=consent_hex)
    except (signing.BadSignature, ValueError):
        return None
    granted = frozenset() if categories == "-" else frozenset(categories.split("+"))
    return ConsentState(
        consent_id=consent_id,
        granted=granted,
        digest="" if digest == "-" else digest,
        ga_seen="" if ga_seen == "-" else ga_seen,
        from_cookie=True,
        signed_at=signed_at,
    )


def set_state_cookie(response: HttpResponse, state: ConsentState) -> None:
    # Strictly necessary (register: cookies.lk_consent); HttpOnly: pages get the state
    # rendered by the server, so no script needs to read it.
    lifetime = int(cookie_max_age().total_seconds())
    elapsed = int(time.time()) - state.signed_at if state.signed_at is not None else 0
    response.set_cookie(
        COOKIE_NAME,
        encode_state(state),
        max_age=max(lifetime - elapsed, 0),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
