"""One-time codes sent by SMS, each bound to one operation (``service.py``)."""

from app.otp.models import Challenge, OtpSecret
from app.otp.service import (
    IssuedChallenge,
    binding_hash,
    expire_challenge,
    issue_challenge,
    otp_view,
    resend_challenge,
    verify_challenge,
)

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
