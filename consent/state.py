"""The visitor's consent state, carried in the first-party `lk_consent` cookie.

The cookie holds a random consent id (which links every later choice to the earlier ones,
GDPR Art. 7(1)), the optional categories granted, and a short digest of the register's
consent-relevant content at the time of the choice. It is signed with SECRET_KEY, so a page
can trust it without a database query; the proof itself is the ConsentRecord rows.

When the register's consent digest changes (a new recipient, cookie or purpose), the digest
in the cookie no longer matches: the earlier choice lapses and the banner asks again.
"""

import hashlib
import uuid
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.core import signing
from django.http import HttpResponse

from register.loader import consent_digest, register_digest
from register.selectors import optional_consent_categories

COOKIE_NAME = "lk_consent"
COOKIE_MAX_AGE = timedelta(days=365)  # register.toml: "12 months"
_SALT = "consent.state.v1"


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
        return replace(self, granted=frozenset(granted), digest=current_digest())


def new_state() -> ConsentState:
    return ConsentState(consent_id=uuid.uuid4())


def ga_fingerprint(client_id: str) -> str:
    return hashlib.sha256(client_id.encode()).hexdigest()[:8] if client_id else ""


def _signer() -> signing.Signer:
    return signing.Signer(salt=_SALT)


def encode_state(state: ConsentState) -> str:
    categories = "+".join(sorted(state.granted)) or "-"
    raw = ".".join([state.consent_id.hex, categories, state.digest or "-", state.ga_seen or "-"])
    return _signer().sign(raw)


def decode_state(value: str | None) -> ConsentState | None:
    """The state in a cookie value; None when it is missing, tampered with or malformed."""
    if not value:
        return None
    try:
        raw = _signer().unsign(value)
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
    )


def set_state_cookie(response: HttpResponse, state: ConsentState) -> None:
    # Strictly necessary (register: cookies.lk_consent); HttpOnly: pages get the state
    # rendered by the server, so no script needs to read it.
    response.set_cookie(
        COOKIE_NAME,
        encode_state(state),
        max_age=int(COOKIE_MAX_AGE.total_seconds()),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
