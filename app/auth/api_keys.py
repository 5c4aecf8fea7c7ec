"""API keys for organisations: partners, merchants, billers and payers.

A key is 256 random bits shown once at creation. The table keeps its first 8
characters (to find the row without scanning) and its SHA-256. SHA-256 rather
than argon2 because the key is random, not chosen by a person: nobody can
guess it, so a slow hash would add cost to every request and no protection.
Comparison is constant-time on the hash.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.clock import clock
from app.db import Base, UTCDateTime, settings
from app.errors import NotFound, Unauthorized, ValidationFailed
from app.principal import Principal

log = logging.getLogger(__name__)

API_ROLES = ("partner", "merchant", "biller", "payer", "sender")
PREFIX_LENGTH = 8
_MAX_KEY_LENGTH = 128


class ApiClient(Base):
    __tablename__ = "api_clients"
    __table_args__ = (
        CheckConstraint(f"role IN {API_ROLES!r}", name="role_known"),
        CheckConstraint("status IN ('active', 'disabled')", name="status_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    role: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    key_prefix: Mapped[str] = mapped_column(String(PREFIX_LENGTH), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_key(client: ApiClient) -> str:
    """Give ``client`` a new random key and return it in clear (shown once, never kept)."""
    key = secrets.token_urlsafe(32)
    set_key(client, key)
    return key


def set_key(client: ApiClient, key: str) -> None:
    """Make ``key`` the client's key (only its prefix and digest are kept)."""
    client.key_prefix = key[:PREFIX_LENGTH]
    client.key_hash = key_digest(key)


def create_api_client(
    session: Session, *, role: str, name: str, meta: dict[str, Any] | None = None
) -> tuple[ApiClient, str]:
    """A new client and its clear key; the key cannot be shown again."""
    if role not in API_ROLES:
        raise ValueError(f"role {role!r} does not use API keys")
    clean = " ".join(name.split()) if isinstance(name, str) else ""
    if not 2 <= len(clean) <= 120:
        raise ValidationFailed({"name": ["2 to 120 characters."]})
    client = ApiClient(
        id=str(uuid.uuid4()),
        role=role,
        name=clean,
        meta=meta,
        status="active",
        created_at=clock.now(),
    )
    key = issue_key(client)
    session.add(client)
    session.flush()
    log.info("api client %s created (%s)", client.id, role)
    return client, key


def authenticate_api_key(session: Session, key: str) -> Principal:
    """The principal behind an active key, or Unauthorized."""
    if not isinstance(key, str) or not PREFIX_LENGTH < len(key) <= _MAX_KEY_LENGTH:
        raise Unauthorized("Invalid API key.")
    digest = key_digest(key)
    candidates = session.scalars(
        select(ApiClient).where(ApiClient.key_prefix == key[:PREFIX_LENGTH])
    ).all()
    for client in candidates:
        if hmac.compare_digest(client.key_hash, digest) and client.status == "active":
            return Principal(role=client.role, id=client.id)
    raise Unauthorized("Invalid API key.")


def get_api_client(session: Session, client_id: str, role: str | None = None) -> ApiClient:
    client = session.get(ApiClient, client_id) if isinstance(client_id, str) else None
    if client is None or (role is not None and client.role != role):
        raise NotFound("No such client.")
    return client


def list_clients(
    session: Session,
    *,
    role: str | None = None,
    status: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[ApiClient]:
    """Clients by name, then id; ``after`` is the last id of the previous page."""
    query = select(ApiClient).order_by(ApiClient.name, ApiClient.id).limit(limit)
    if role is not None:
        query = query.where(ApiClient.role == role)
    if status is not None:
        query = query.where(ApiClient.status == status)
    if after:
        last = session.get(ApiClient, after)
        if last is None:
            raise ValidationFailed({"cursor": ["Not a cursor returned by this endpoint."]})
        query = query.where(tuple_(ApiClient.name, ApiClient.id) > (last.name, last.id))
    return list(session.scalars(query).all())


def give_demo_key(session: Session, client: ApiClient, key: str) -> None:
    """Make a public, documented key the client's key: development only, never elsewhere."""
    if not settings(session).is_development:
        raise RuntimeError("demo API keys exist in development only")
    if client.key_hash != key_digest(key):
        set_key(client, key)
        session.flush()


def find_client(session: Session, role: str, name: str) -> ApiClient | None:
    return session.scalars(
        select(ApiClient).where(ApiClient.role == role, ApiClient.name == name)
    ).first()
