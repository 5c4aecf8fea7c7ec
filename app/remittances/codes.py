"""Withdrawal codes: 10 random digits, stored only as a keyed hash.

The code is what a recipient shows at the counter, so it is the money. It is
drawn with ``secrets`` (10^10 possibilities), sent once by SMS (sealed until
delivery, ``app/notify``) and never stored or shown again. The table keeps
HMAC-SHA256(code) under a key derived from ``SECRET_KEY``: a payout looks the
remittance up by that hash, and a leaked table cannot be brute-forced offline
(10^10 plain SHA-256 hashes take seconds) without also stealing the key. The
hash found is compared again in constant time before money moves.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from app.secretbox import keyring

DIGITS = 10
_KEY_LABEL = b"postcash/remittance-code/v1"


@lru_cache(maxsize=8)
def _code_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _KEY_LABEL, hashlib.sha256).digest()


def new_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def is_well_formed(code: object) -> bool:
    return isinstance(code, str) and len(code) == DIGITS and code.isascii() and code.isdigit()


def normalize(code: object) -> str:
    """What a person typed, without spaces or dashes ("123 456-7890" → "1234567890")."""
    if not isinstance(code, str):
        return ""
    return "".join(ch for ch in code if ch not in " -\u00a0")


def code_hash(secret_key: str, code: str) -> str:
    return hmac.new(_code_key(secret_key), code.encode(), hashlib.sha256).hexdigest()


def code_hashes(secret_key: str, code: str) -> list[str]:
    """The hash of ``code`` under the current key, then under each retired one
    (``SECRET_KEY_PREVIOUS``): a code issued before a rotation is found by one of them."""
    return [code_hash(key, code) for key in keyring(secret_key)]


def matches(secret_key: str, code: str, stored_hash: str | None) -> bool:
    """Constant-time check of ``code`` against a stored hash, under any key of the ring."""
    if stored_hash is None:
        return False
    found = False
    for digest in code_hashes(secret_key, code):
        found |= hmac.compare_digest(digest, stored_hash)
    return found
