"""Encrypted model fields and keyed blind indexes for direct identifiers (policy §5).

The field machinery is django-fernet-encrypted-fields'; we replace its key source, which
derives keys from SECRET_KEY, with FIELD_ENCRYPTION_KEYS: real Fernet keys, newest first,
so rotating SECRET_KEY never makes personal data unreadable and keys rotate on their own.
Fernet is authenticated encryption (AES-128-CBC + HMAC-SHA256).

Lookups go through a blind index: HMAC-SHA256 of the normalised value under a key derived
from the oldest encryption key (kept across rotations so indexes stay valid).
"""

import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.utils.functional import cached_property
from encrypted_fields import fields as encrypted


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


class _SettingsKeys:
    @cached_property
    def f(self) -> MultiFernet:  # the library's name for its cipher
        return fernet()


class EncryptedCharField(_SettingsKeys, encrypted.EncryptedCharField):
    pass


class EncryptedTextField(_SettingsKeys, encrypted.EncryptedTextField):
    pass


@cache
def _index_key(oldest_key: str) -> bytes:
    return hashlib.sha256(b"leadkeeper blind index v1|" + oldest_key.encode()).digest()


def blind_index(value: str) -> str:
    """HMAC of an already-normalised value: equal values match, the value is not stored."""
    if not value:
        return ""
    key = _index_key(settings.FIELD_ENCRYPTION_KEYS[-1])
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
