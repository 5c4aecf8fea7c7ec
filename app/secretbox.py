"""Encrypting small secrets at rest with a key derived from ``SECRET_KEY``.

OTP seeds and the codes an SMS must carry until it is handed to the gateway are
kept encrypted, so a database dump alone cannot recompute or read a code. Each
use gets its own Fernet key, derived with HKDF from ``SECRET_KEY`` and a
purpose label: a token sealed for one purpose cannot be opened as another.

Key rotation (docs/DEPLOY.md, "Rotating SECRET_KEY"): the keys are versioned by
their place in a ring, the current ``SECRET_KEY`` first, then the retired ones
of ``SECRET_KEY_PREVIOUS`` (newest first), registered once by the application
(``use_keys``). New data is always sealed, and MACs computed, with the current
key; data sealed under any key of the ring still opens, and a MAC under any of
them still matches (``mac_keys``). ``reseal`` moves one token to the current
key, so a retired key can leave the ring once nothing needs it.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = [
    "InvalidToken",
    "keyring",
    "mac_key",
    "mac_keys",
    "reseal",
    "seal",
    "unseal",
    "use_keys",
]

# current SECRET_KEY → the retired keys whose data it still opens, newest first
_RETIRED: dict[str, tuple[str, ...]] = {}


def use_keys(current: str, previous: Sequence[str] = ()) -> None:
    """Make data sealed under ``previous`` keys readable next to ``current``'s."""
    retired = tuple(dict.fromkeys(key for key in previous if key and key != current))
    if _RETIRED.get(current, ()) != retired:
        _RETIRED[current] = retired
        _fernet.cache_clear()


def keyring(secret_key: str) -> tuple[str, ...]:
    """``secret_key`` then the keys it retired, newest first."""
    return (secret_key, *_RETIRED.get(secret_key, ()))


@lru_cache(maxsize=64)
def _derive(secret_key: str, purpose: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"postcash-secretbox",
        info=f"postcash/{purpose}".encode(),
    ).derive(secret_key.encode())


@lru_cache(maxsize=32)
def _fernet(secret_key: str, purpose: str) -> MultiFernet:
    return MultiFernet(
        [Fernet(base64.urlsafe_b64encode(_derive(key, purpose))) for key in keyring(secret_key)]
    )


def mac_key(secret_key: str, purpose: str) -> bytes:
    """A key for HMAC over values a database dump must not let anyone guess offline
    (a fingerprint of a request that carries a code)."""
    return _derive(secret_key, f"mac/{purpose}")


def mac_keys(secret_key: str, purpose: str) -> list[bytes]:
    """``mac_key`` under every key of the ring, the current one first: a MAC stored
    before a rotation matches one of them."""
    return [mac_key(key, purpose) for key in keyring(secret_key)]


def seal(secret_key: str, purpose: str, plaintext: str) -> str:
    """Encrypt ``plaintext`` for ``purpose``; the result is ASCII, safe for a text column."""
    return _fernet(secret_key, purpose).encrypt(plaintext.encode()).decode("ascii")


def _raw(token: str) -> bytes:
    try:
        return token.encode("ascii")
    except UnicodeError:  # not something seal wrote (seal writes ASCII)
        raise InvalidToken from None


def unseal(secret_key: str, purpose: str, token: str) -> str:
    """Decrypt a token made by ``seal`` under any key of the ring (else InvalidToken)."""
    return _fernet(secret_key, purpose).decrypt(_raw(token)).decode()


def reseal(secret_key: str, purpose: str, token: str) -> str:
    """The same plaintext sealed under the current key (InvalidToken if no key opens it)."""
    return _fernet(secret_key, purpose).rotate(_raw(token)).decode("ascii")
