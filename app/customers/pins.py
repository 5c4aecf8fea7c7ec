"""Customer PINs: four digits, not guessable at a glance, stored peppered (docs/PINS.md).

With 10 000 possible PINs no hash can make guessing hard for whoever holds the
stored hash and everything needed to recompute it; what protects a wallet is the
lockout after ``PIN_MAX_ATTEMPTS`` wrong PINs (``service.verify_pin``), refusing
the PINs a thief tries first, and a secret *pepper* kept outside the database:
each PIN is stored as argon2id (OWASP's minimum) of HMAC-SHA256(pepper, PIN), so
a copy of the database alone cannot be tried against the 10 000 PINs at all.
Peppers are versioned (``PIN_PEPPERS``, ``PIN_PEPPER_VERSION``): a hash made
with an older pepper, or a legacy plain argon2id hash, still verifies and is
made again with the current one on the next right PIN (``service.verify_pin``).

Refused PINs:

* one digit repeated: 0000, 7777;
* a run up or down: 0123, 1234, 6789, 9876, 3210;
* a pair repeated: 1212, 2020, 9090.

Keypad patterns such as 2580 (the middle column) stay allowed: refusing every
shape would leave too few PINs a customer can remember.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from itertools import pairwise

from app.auth.hashing import CHEAPEST, OWASP_MINIMUM, PepperRing, UnknownPepperVersion
from app.config import Config
from app.errors import ValidationFailed

log = logging.getLogger(__name__)

PIN_LENGTH = 4
_FOUR_DIGITS = re.compile(r"[0-9]{4}")
_NOBODY = "no customer has this hash"

# What identifies a ring: (current version, (version, pepper) pairs, cheap profile).
_RingKey = tuple[str, tuple[tuple[str, str], ...], bool]


def trivial_reason(pin: str) -> str | None:
    """Why a well-formed PIN is too easy to guess, or None."""
    digits = [int(c) for c in pin]
    steps = {b - a for a, b in pairwise(digits)}
    if steps == {0}:
        return "A PIN cannot repeat one digit."
    if steps in ({1}, {-1}):
        return "A PIN cannot be a sequence of digits."
    if pin[:2] == pin[2:]:
        return "A PIN cannot repeat a pair of digits."
    return None


def validate_pin(pin: object, *, field: str = "pin") -> str:
    """Return ``pin`` when it is an acceptable new PIN; ValidationFailed naming ``field``."""
    if not isinstance(pin, str) or not _FOUR_DIGITS.fullmatch(pin):
        raise ValidationFailed({field: [f"A PIN is exactly {PIN_LENGTH} digits."]})
    reason = trivial_reason(pin)
    if reason:
        raise ValidationFailed({field: [reason]})
    return pin


def _key(config: Config) -> _RingKey:
    return (config.PIN_PEPPER_VERSION, tuple(sorted(config.PIN_PEPPERS.items())), config.TESTING)


@lru_cache(maxsize=8)
def _ring(key: _RingKey) -> PepperRing:
    current, peppers, cheap = key
    return PepperRing(current, dict(peppers), CHEAPEST if cheap else OWASP_MINIMUM)


def pepper_ring(config: Config) -> PepperRing:
    """The peppers and argon2 cost PINs are hashed with under ``config``: OWASP's minimum,
    or argon2's cheapest profile when ``TESTING`` (a test proves nothing about the cost)."""
    return _ring(_key(config))


def hash_pin(pin: str, config: Config) -> str:
    """The string stored for ``pin``: ``$pcpep$v<current version>$argon2id$…``."""
    return pepper_ring(config).hash(pin)


def check_pin(pin_hash: str, pin: str, config: Config) -> bool:
    """Constant-time comparison through argon2; False for anything malformed.

    A hash naming a pepper version ``PIN_PEPPERS`` no longer lists is refused with
    ``UnknownPepperVersion`` (an internal error: the customer's attempt is not kept,
    the operator sees which version is missing) rather than taken for a wrong PIN.
    """
    if not isinstance(pin, str) or not _FOUR_DIGITS.fullmatch(pin):
        return False
    try:
        return pepper_ring(config).verify(pin_hash, pin)
    except UnknownPepperVersion as refused:
        log.error(
            "a PIN hash names pepper version %r, which PIN_PEPPERS does not list "
            "(docs/PINS.md, rotation)",
            refused.version,
        )
        raise


def pin_hash_outdated(pin_hash: str, config: Config) -> bool:
    """Whether a hash that has just verified should be replaced by ``hash_pin``'s: made
    without a pepper (legacy), with an older pepper version, or with other argon2 costs."""
    return pepper_ring(config).outdated(pin_hash)


@lru_cache(maxsize=8)
def _dummy_hash(key: _RingKey) -> str:
    return _ring(key).hash(_NOBODY)


def check_pin_of_nobody(pin: str, config: Config) -> bool:
    """What ``check_pin`` costs, for a number nobody holds: the same work against a hash
    of the current pepper and parameters, so "unknown number" takes as long as "wrong PIN"."""
    check_pin(_dummy_hash(_key(config)), pin, config)
    return False
