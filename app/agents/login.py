"""Signing in staff (agents, admins): password and TOTP, ending in an opaque token
(``auth/tokens.py``). The checks belong to ``staff.authenticate_staff``."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.agents.staff import authenticate_staff
from app.auth.tokens import IssuedToken, issue_token


def login_staff(
    session: Session, *, username: str, password: str, totp: str, ip: str | None = None
) -> IssuedToken:
    """A token for an agent or admin whose password and TOTP code are right (``ip``: the
    caller's address, for the audit trail of sign-ins and refusals)."""
    staff = authenticate_staff(session, username, password, totp, ip=ip)
    token, ttl = issue_token(session, staff.role, staff.id)
    return IssuedToken(token, ttl, staff.role, staff.id)
