"""Customer PINs: four digits, not guessable at a glance, stored only as argon2id.

With 10 000 possible PINs the hash cannot make guessing hard; what protects a
wallet is the lockout after ``PIN_MAX_ATTEMPTS`` wrong PINs (``service.verify_pin``)
and refusing the PINs a thief tries first. Refused:

* one digit repeated: 0000, 7777;
* a run up or down: 0123, 1234, 6789, 9876, 3210;
* a pair repeated: 1212, 2020, 9090.

Keypad patterns such as 2580 (the middle column) stay allowed: refusing every
shape would leave too few PINs a customer can remember.
"""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise

from app.auth.hashing import hash_secret, verify_secret
from app.errors import ValidationFailed

PIN_LENGTH = 4
_FOUR_DIGITS = re.compile(r"[0-9]{4}")


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


def hash_pin(pin: str, *, fast: bool = False) -> str:
    return hash_secret(pin, fast=fast)


def check_pin(pin_hash: str, pin: str) -> bool:
    """Constant-time comparison through argon2; False for anything malformed."""
    if not isinstance(pin, str) or not _FOUR_DIGITS.fullmatch(pin):
        return False
    return verify_secret(pin_hash, pin)


@cache
def _dummy_hash(fast: bool) -> str:
    return hash_pin("no customer has this hash", fast=fast)


def check_pin_of_nobody(pin: str, *, fast: bool = False) -> bool:
    """What ``check_pin`` costs, for a number nobody holds: the same argon2 work against a
    hash of the same parameters, so "unknown number" takes as long as "wrong PIN"."""
    check_pin(_dummy_hash(fast), pin)
    return False
