"""Access tokens for customers, agents and admins: opaque, short-lived, revocable.

A token is 256 random bits handed to the client once; the database keeps only
its SHA-256, so a leaked table cannot be replayed. A plain hash (no salt, no
argon2) is enough because the token is high-entropy: nobody can enumerate
2^256 candidates, and the hash must be cheap because it is computed on every
request. Opaque rather than signed so that logout and a PIN change take effect
at once, without a deny-list.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Index, Select, String, bindparam, delete, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.clock import clock
from app.db import Base, UTCDateTime, rows_matched, settings
from app.errors import Unauthorized
from app.principal import Principal

TOKEN_ROLES = ("customer", "agent", "admin", "supervisor", "operator", "auditor")
_MAX_TOKEN_LENGTH = 128


class AuthToken(Base):
    __tablename__ = "auth_tokens"
    __table_args__ = (Index("ix_auth_tokens_principal", "principal_role", "principal_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    principal_role: Mapped[str] = mapped_column(String(16))
    principal_id: Mapped[str] = mapped_column(String(36))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_ttl(session: Session, role: str) -> int:
    config = settings(session)
    if role == "customer":
        return config.CUSTOMER_TOKEN_TTL
    if role in ("agent", "admin", "supervisor", "operator", "auditor"):
        return config.AGENT_TOKEN_TTL
    raise ValueError(f"role {role!r} authenticates with an API key, not a token")


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """What a sign-in hands back: the token (shown once), its lifetime and who it is for."""

    access_token: str
    expires_in: int
    role: str
    principal_id: str


def issue_token(session: Session, principal_role: str, principal_id: str) -> tuple[str, int]:
    """A new token and its lifetime in seconds. The clear token is never stored."""
    ttl = token_ttl(session, principal_role)
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(
        AuthToken(
            id=str(uuid.uuid4()),
            token_hash=_digest(token),
            principal_role=principal_role,
            principal_id=principal_id,
            expires_at=now + timedelta(seconds=ttl),
            revoked_at=None,
            created_at=now,
        )
    )
    session.flush()
    return token, ttl


@cache
def _by_hash() -> Select[AuthToken]:
    # Built once (on first use, when the mappers are configured): every request
    # runs it, and building and keying a statement costs more CPU than running it.
    return select(AuthToken).where(AuthToken.token_hash == bindparam("token_hash"))


def authenticate_token(session: Session, token: str) -> Principal:
    """The principal behind a live token; Unauthorized if unknown, expired or revoked.

    The lookup is by hash, so the comparison never touches the clear token and
    leaks nothing through timing.
    """
    if not isinstance(token, str) or not 0 < len(token) <= _MAX_TOKEN_LENGTH:
        raise Unauthorized("Invalid or expired token.")
    row = session.scalar(_by_hash(), {"token_hash": _digest(token)})
    if row is None or row.revoked_at is not None or row.expires_at <= clock.now():
        raise Unauthorized("Invalid or expired token.")
    return Principal(role=row.principal_role, id=row.principal_id, token_id=row.id)


def revoke_token(session: Session, token_id: str) -> None:
    """Revoke one token (logout). Revoking twice is harmless."""
    session.execute(
        update(AuthToken)
        .where(AuthToken.id == token_id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def live_tokens(session: Session, role: str, principal_id: str) -> list[AuthToken]:
    """The principal's tokens that still authenticate (not revoked, not expired), newest
    first: the sessions the back office shows before it ends them."""
    return list(
        session.scalars(
            select(AuthToken)
            .where(
                AuthToken.principal_role == role,
                AuthToken.principal_id == principal_id,
                AuthToken.revoked_at.is_(None),
                AuthToken.expires_at > clock.now(),
            )
            .order_by(AuthToken.created_at.desc(), AuthToken.id)
        )
    )


def revoke_other_tokens(
    session: Session, role: str, principal_id: str, keep_token_id: str | None
) -> int:
    """Revoke every live token of a principal except ``keep_token_id`` (None: all of them).

    Used when a PIN changes (the device that changed it stays signed in) and when
    an account is locked. Returns how many were revoked.
    """
    now = clock.now()
    query = update(AuthToken).where(
        AuthToken.principal_role == role,
        AuthToken.principal_id == principal_id,
        AuthToken.revoked_at.is_(None),
        AuthToken.expires_at > now,
    )
    if keep_token_id is not None:
        query = query.where(AuthToken.id != keep_token_id)
    result = session.execute(
        query.values(revoked_at=now).execution_options(synchronize_session=False)
    )
    return rows_matched(result)


def purge_expired_tokens(session: Session, *, older_than: timedelta = timedelta(days=7)) -> int:
    """Delete tokens expired for a while; they can no longer authenticate anything."""
    result = session.execute(
        delete(AuthToken)
        .where(AuthToken.expires_at < clock.now() - older_than)
        .execution_options(synchronize_session=False)
    )
    return rows_matched(result)
