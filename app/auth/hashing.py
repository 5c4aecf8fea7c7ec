"""argon2id hashes for low-entropy secrets people choose: customer PINs, staff passwords.

The hash string records its own parameters, so a hash made with one set of
parameters verifies under any other. Tests pass ``fast=True`` (the app does when
``TESTING``) to use argon2's cheapest profile: the production parameters cost
~90 ms a hash by design, which would dominate a suite that registers hundreds
of customers, and a test proves nothing about the parameters themselves.
"""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

_STRONG = PasswordHasher()  # RFC 9106 low-memory profile: argon2id, t=3, m=64 MiB
_FAST = PasswordHasher.from_parameters(profiles.CHEAPEST)


@cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, verified when the user does not exist so that
    "no such user" and "wrong password" take the same time."""
    return _STRONG.hash("postcash-no-such-user")


def hash_secret(secret: str, *, fast: bool = False) -> str:
    return (_FAST if fast else _STRONG).hash(secret)


def verify_secret(secret_hash: str | None, secret: str) -> bool:
    """True when ``secret`` matches; False for a wrong secret or a missing/corrupt hash."""
    try:
        return _STRONG.verify(secret_hash or _dummy_hash(), secret)
    except (VerificationError, InvalidHashError):
        return False
