"""Row locks of one-time codes, in one place.

A challenge is locked before it changes (a code checked, resent, expired), so
two racing checks of one code count both attempts and only one can succeed; a
subject's seed row is locked while its next counter is taken, so no two
challenges ever get the same counter.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.otp.models import Challenge, OtpSecret


def lock_challenge(session: Session, challenge_id: str) -> Challenge | None:
    return session.get(Challenge, challenge_id, with_for_update=True, populate_existing=True)


def lock_secret(session: Session, subject_id: str) -> OtpSecret | None:
    return session.get(OtpSecret, subject_id, with_for_update=True, populate_existing=True)
