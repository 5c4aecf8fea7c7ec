"""One-time codes sent by SMS, each bound to one operation (``challenges.py``)."""

from app.otp.challenges import (
    IssuedChallenge,
    binding_hash,
    expire_challenge,
    issue_challenge,
    otp_view,
    resend_challenge,
    verify_challenge,
)
from app.otp.models import Challenge, OtpSecret

__all__ = [
    "Challenge",
    "IssuedChallenge",
    "OtpSecret",
    "binding_hash",
    "expire_challenge",
    "issue_challenge",
    "otp_view",
    "resend_challenge",
    "verify_challenge",
]
