"""argon2id hashes for low-entropy secrets people choose: customer PINs, staff passwords.

Two schemes live here (docs/PINS.md says why):

* ``hash_secret``/``verify_secret``: plain argon2id with RFC 9106's low-memory
  profile (t=3, m=64 MiB, p=4, ~100 ms). Staff passwords use it; it is also how
  every PIN was stored before the pepper, so it verifies those legacy hashes.
* ``PepperRing``: a keyed hash (HMAC-SHA256 with a secret *pepper* from the
  configuration, never from the database) in front of a lighter argon2id at
  OWASP's minimum (m=19 MiB, t=2, p=1, ~14 ms). Four-digit PINs use it: without
  the pepper a stolen table cannot even be tried against the 10 000 PINs, so the
  argon2 cost only has to slow down someone who stole the configuration too.
  The stored string names the pepper's version (``$pcpep$v1$argon2id$…``) so
  peppers can be rotated: every listed version verifies, the current one hashes.

A hash string records its own argon2 parameters, so a hash made with one set of
parameters verifies under any other. Tests use argon2's cheapest profile
(``TESTING``): the production parameters cost by design, which would dominate a
suite that registers hundreds of customers, and a test proves nothing about the
parameters themselves (``bench/pin.py`` measures those).

The peppered argon2 runs in OpenSSL (through ``cryptography``, already a
dependency) rather than argon2-cffi: the same PHC strings either way (each
library verifies the other's) in about 10 % less time on the machines measured,
which counts when the goal is one check in 15 ms (``bench/pin.py``, docs/PINS.md).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache

from argon2 import PasswordHasher, extract_parameters, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.errors import InternalError

_STRONG = PasswordHasher()  # RFC 9106 low-memory profile: argon2id, t=3, m=64 MiB, p=4
_FAST = PasswordHasher.from_parameters(profiles.CHEAPEST)

PEPPER_PREFIX = "$pcpep$v"
_PEPPERED = re.compile(r"\$pcpep\$v(?P<version>[^$]*)(?P<argon2>\$argon2id\$.+)", re.DOTALL)
_SALT_BYTES = 16
_HASH_BYTES = 32


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


@dataclass(frozen=True)
class Argon2Cost:
    """argon2id's three knobs: memory in KiB, passes over it, lanes."""

    memory_kib: int
    iterations: int
    lanes: int

    def of(self, phc: str) -> bool:
        """Whether the PHC string ``phc`` was made with exactly these parameters."""
        try:
            made = extract_parameters(phc)
        except InvalidHashError:
            return False
        return (made.memory_cost, made.time_cost, made.parallelism) == (
            self.memory_kib,
            self.iterations,
            self.lanes,
        )


# OWASP Password Storage Cheat Sheet, argon2id minimum: 19 MiB, 2 passes, 1 lane.
OWASP_MINIMUM = Argon2Cost(memory_kib=19 * 1024, iterations=2, lanes=1)
# argon2's cheapest profile, for tests only (the same one ``_FAST`` uses).
CHEAPEST = Argon2Cost(
    memory_kib=profiles.CHEAPEST.memory_cost,
    iterations=profiles.CHEAPEST.time_cost,
    lanes=profiles.CHEAPEST.parallelism,
)


class UnknownPepperVersion(InternalError):
    """A hash names a pepper version the configuration no longer lists.

    A deployment mistake (a pepper retired while hashes made with it remain), not
    a wrong PIN: nothing is counted against the customer, the operator is told by
    the error log, and ``PIN_PEPPERS`` must list that version again (docs/PINS.md).
    """

    def __init__(self, version: str) -> None:
        super().__init__("This PIN cannot be checked right now.")
        self.version = version


@dataclass(frozen=True)
class PepperRing:
    """Versioned peppers: the current one hashes, every one listed verifies.

    ``peppers`` maps a version (letters and digits) to its secret. The secrets are
    kept out of ``repr`` so that no traceback, log line or debugger print shows them.
    """

    current: str
    peppers: Mapping[str, str] = field(repr=False)
    cost: Argon2Cost = OWASP_MINIMUM

    def __post_init__(self) -> None:
        if self.current not in self.peppers:
            raise ValueError(f"pepper version {self.current!r} is not among those configured")

    def hash(self, secret: str) -> str:
        """``$pcpep$v<current>`` followed by the argon2id PHC string of HMAC(pepper, secret)."""
        argon2 = Argon2id(
            salt=os.urandom(_SALT_BYTES),
            length=_HASH_BYTES,
            iterations=self.cost.iterations,
            lanes=self.cost.lanes,
            memory_cost=self.cost.memory_kib,
        )
        phc = argon2.derive_phc_encoded(self._keyed(self.current, secret))
        return f"{PEPPER_PREFIX}{self.current}{phc}"

    def verify(self, stored: str, secret: str) -> bool:
        """True when ``secret`` matches a peppered hash or a legacy plain argon2id one.

        False for a wrong secret or a corrupt hash; ``UnknownPepperVersion`` when the
        hash names a version that is not configured (refused, never a mere mismatch).
        """
        peppered = _PEPPERED.fullmatch(stored)
        if peppered is None:
            return _verify_legacy(stored, secret)
        version = peppered["version"]
        if version not in self.peppers:
            raise UnknownPepperVersion(version)
        try:
            Argon2id.verify_phc_encoded(self._keyed(version, secret), peppered["argon2"])
        except (InvalidKey, ValueError):
            return False
        return True

    def outdated(self, stored: str) -> bool:
        """Whether a hash that just verified should be made again: legacy (no pepper), an
        older pepper version, or argon2 parameters other than ``cost``."""
        peppered = _PEPPERED.fullmatch(stored)
        if peppered is None or peppered["version"] != self.current:
            return True
        return not self.cost.of(peppered["argon2"])

    def _keyed(self, version: str, secret: str) -> bytes:
        pepper = self.peppers[version].encode("utf-8")
        return hmac.new(pepper, secret.encode("utf-8"), hashlib.sha256).digest()


def _verify_legacy(stored: str, secret: str) -> bool:
    """A PIN hash from before the pepper: plain argon2id of the PIN itself."""
    if not stored.startswith("$argon2id$"):
        return False
    try:
        return _STRONG.verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False
