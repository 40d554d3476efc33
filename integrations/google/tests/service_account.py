"""A throwaway service-account key file, as Google's console writes one, for the doubles."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


@cache
def throwaway_key() -> rsa.RSAPrivateKey:
    # One key per test process: generating RSA keys is the slow part.
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def write_key_file(
    path: Path, *, key: rsa.RSAPrivateKey, key_id: str, client_email: str, token_uri: str
) -> Path:
    """The JSON key's fields; token_uri points google-auth at a local token endpoint."""
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    path.write_text(
        json.dumps(
            {
                "type": "service_account",
                "project_id": "double-project",
                "private_key_id": key_id,
                "private_key": private_pem,
                "client_email": client_email,
                "client_id": "100000000000000000001",
                "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                "token_uri": token_uri,
            }
        )
    )
    return path
