"""Staff TOTP: secrets encrypted at rest, codes checked with replay protection.

The secret is sealed with ``app.secretbox`` (Fernet under a key derived from
``SECRET_KEY`` for this purpose only), because unlike a password the server must
read it back to compute the expected code. Rotating ``SECRET_KEY`` keeps the
authenticators: the retired key stays in ``SECRET_KEY_PREVIOUS`` until ``flask
secrets reseal`` has sealed every secret again (docs/DEPLOY.md).

Codes are 6 digits, 30-second steps, one step of clock drift either way.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
from pyotp.exceptions import OTPVerificationError

from app.secretbox import InvalidToken, seal, unseal

ISSUER = "PostCash"
PURPOSE = "staff-totp"
_VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def encrypt_secret(secret_key: str, totp_secret: str) -> str:
    return seal(secret_key, PURPOSE, totp_secret)


def decrypt_secret(secret_key: str, encrypted: str) -> str:
    try:
        return unseal(secret_key, PURPOSE, encrypted)
    except InvalidToken as exc:  # SECRET_KEY changed: the staff member must re-enrol
        raise ValueError("TOTP secret cannot be decrypted with this SECRET_KEY") from exc


def provisioning_uri(totp_secret: str, username: str) -> str:
    """The ``otpauth://`` URI an authenticator app scans (as a QR code) once."""
    return pyotp.TOTP(totp_secret).provisioning_uri(name=username, issuer_name=ISSUER)


def matching_step(totp_secret: str, code: str, at: datetime) -> int | None:
    """The time step ``code`` belongs to (within the drift window), or None."""
    if not isinstance(code, str) or len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    try:
        return pyotp.TOTP(totp_secret).verify_and_get_timecode(
            code, for_time=at, valid_window=_VALID_WINDOW
        )
    except OTPVerificationError:
        return None


def current_code(totp_secret: str, at: datetime) -> str:
    """The code an authenticator shows at ``at`` (``flask users totp``, development only)."""
    return pyotp.TOTP(totp_secret).at(at)
