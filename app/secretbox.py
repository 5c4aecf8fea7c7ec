"""Encrypting small secrets at rest with a key derived from ``SECRET_KEY``.

OTP seeds and the codes an SMS must carry until it is handed to the gateway are
kept encrypted, so a database dump alone cannot recompute or read a code. Each
use gets its own Fernet key, derived with HKDF from ``SECRET_KEY`` and a
purpose label: a token sealed for one purpose cannot be opened as another.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["InvalidToken", "mac_key", "seal", "unseal"]


@lru_cache(maxsize=32)
def _derive(secret_key: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"postcash-secretbox",
        info=f"postcash/{purpose}".encode(),
    ).derive(secret_key.encode())


@lru_cache(maxsize=32)
def _fernet(secret_key: str, purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(secret_key, purpose)))


def mac_key(secret_key: str, purpose: str) -> bytes:
    """A key for HMAC over values a database dump must not let anyone guess offline
    (a fingerprint of a request that carries a code)."""
    return _derive(secret_key, f"mac/{purpose}")


def seal(secret_key: str, purpose: str, plaintext: str) -> str:
    """Encrypt ``plaintext`` for ``purpose``; the result is ASCII, safe for a text column."""
    return _fernet(secret_key, purpose).encrypt(plaintext.encode()).decode("ascii")


def unseal(secret_key: str, purpose: str, token: str) -> str:
    """Decrypt a token made by ``seal`` with the same key and purpose (else InvalidToken)."""
    try:
        raw = token.encode("ascii")
    except UnicodeError:  # not something seal wrote (seal writes ASCII)
        raise InvalidToken from None
    return _fernet(secret_key, purpose).decrypt(raw).decode()
