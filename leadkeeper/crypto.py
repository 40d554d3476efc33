"""Encrypted model fields and keyed blind indexes for direct identifiers (policy §5).

The field machinery is django-fernet-encrypted-fields'; we replace its key source, which
derives keys from SECRET_KEY, with FIELD_ENCRYPTION_KEYS: real Fernet keys, newest first,
so rotating SECRET_KEY never makes personal data unreadable and keys rotate on their own.
Fernet is authenticated encryption (AES-128-CBC + HMAC-SHA256).

Lookups go through a blind index: HMAC-SHA256 of the normalised value under an index key.
Index keys form a list too, BLIND_INDEX_KEYS, newest first: writes use the newest, look-ups
try every key (`blind_indexes()`), so a look-up keeps working while `manage.py rotate_keys`
recomputes stored indexes. Without BLIND_INDEX_KEYS the one index key is derived from the
oldest encryption key, as before the list existed.
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.db import models
from encrypted_fields import fields as encrypted


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


class _SettingsKeys:
    # A property, not cached on the field: the field lives as long as the process, and the
    # key list may change under it (a rotation test, a reloaded setting).
    @property
    def f(self) -> MultiFernet:  # the library's name for its cipher
        return fernet()

    def get_prep_value(self, value: object) -> str | None:
        """Encrypt a plain value; empty stays NULL, as in the library.

        The library first passes the value through its `to_python`, which tries to decrypt
        it (for a form's cleaning): on a plain value that is a Fernet attempt per key that
        fails, on every encrypted field of every insert (issue 9). Values written here are
        plain, so that attempt is skipped.
        """
        value = models.Field.get_prep_value(self, value)  # a lazy string becomes a str
        if value is None or value == "":
            return None
        return self.f.encrypt(str(value).encode()).decode()


class EncryptedCharField(_SettingsKeys, encrypted.EncryptedCharField):
    pass


class EncryptedTextField(_SettingsKeys, encrypted.EncryptedTextField):
    pass


@cache
def _index_key(secret: str) -> bytes:
    return hashlib.sha256(b"leadkeeper blind index v1|" + secret.encode()).digest()


def index_secrets() -> list[str]:
    """The blind-index secrets, newest first."""
    return list(settings.BLIND_INDEX_KEYS) or [settings.FIELD_ENCRYPTION_KEYS[-1]]


def _hmac(secret: str, value: str) -> str:
    return hmac.new(_index_key(secret), value.encode(), hashlib.sha256).hexdigest()


def blind_index(value: str) -> str:
    """HMAC of an already-normalised value under the newest index key (what is stored)."""
    if not value:
        return ""
    return _hmac(index_secrets()[0], value)


def blind_indexes(value: str) -> list[str]:
    """The value's index under every index key: look-ups match rows not yet rotated."""
    if not value:
        return [""]
    return [_hmac(secret, value) for secret in index_secrets()]


def key_fingerprint() -> str:
    """Names the newest encryption and index keys without revealing them (rotation runs)."""
    material = f"{settings.FIELD_ENCRYPTION_KEYS[0]}|{index_secrets()[0]}".encode()
    return hashlib.sha256(b"leadkeeper key fingerprint|" + material).hexdigest()[:16]
