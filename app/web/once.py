"""One payment per form: the idempotency key a confirmation form carries.

Shared by the web areas: the counter (``counter:<agent>``), the portal
(``portal:<customer>``), the back office (``backoffice:<staff>``); the caller
names whose form it is (``owner``).

Each rendering of a confirmation page draws a fresh key into a hidden field.
The operation's unit of work records ``(owner, key) → where it led`` in
``idempotency_records`` (the API's table, under principals of its own) in the
same transaction as the money, and the pair is unique: a double click, a
resubmitted form or a second tab posting the same page finds the record and is
sent to the first payment's receipt; two submissions racing each other cannot
both commit (the loser's insert fails on the unique key and its whole unit of
work, money included, rolls back). A refused operation records nothing: the
agent may correct the form and confirm again.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.idempotency import IdempotencyRecord
from app.clock import clock
from app.db import settings

KEY_BYTES = 24
MAX_KEY_LENGTH = 64


def new_key() -> str:
    return secrets.token_urlsafe(KEY_BYTES)


def well_formed(key: object) -> bool:
    return isinstance(key, str) and 16 <= len(key) <= MAX_KEY_LENGTH and key.isascii()


def done_before(session: Session, owner: str, key: str) -> str | None:
    """Where the first submission of this form led (its receipt), or None."""
    return session.scalar(
        select(IdempotencyRecord.response_body).where(
            IdempotencyRecord.principal_key == owner,
            IdempotencyRecord.key == key,
            IdempotencyRecord.status == "done",
        )
    )


def remember(session: Session, owner: str, key: str, target: str) -> None:
    """Record the form's outcome in the operation's unit of work (flushed at once, so a
    racing twin waits on the unique key, then fails)."""
    now = clock.now()
    session.add(
        IdempotencyRecord(
            principal_key=owner,
            key=key,
            request_hash=hashlib.sha256(target.encode()).hexdigest(),
            status="done",
            response_status=303,
            response_body=target,
            response_headers={},
            created_at=now,
            expires_at=now + timedelta(seconds=settings(session).IDEMPOTENCY_TTL),
        )
    )
    session.flush()
