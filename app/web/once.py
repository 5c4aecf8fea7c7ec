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

``run_once`` is that whole dance for a page: the check, the work, the record, and
the twin that lost the race sent where the winner led.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.api.idempotency import IdempotencyRecord
from app.clock import clock
from app.db import settings, transaction

KEY_BYTES = 24
MAX_KEY_LENGTH = 64

T = TypeVar("T")


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


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """Where a form led, and what its work returned: ``first`` is False (and ``shown``
    None) when an earlier submission of the same form had done the work."""

    target: str
    shown: T | None
    first: bool


def run_once(owner: str, key: str, work: Callable[[Session], tuple[str, T]]) -> Outcome[T]:
    """Run ``work(session)`` once for the form ``(owner, key)``, in one transaction with
    its record.

    ``work`` returns ``(where the form leads, anything to show right now)``. A repeat is
    sent where the first submission led, without working; two submissions racing: the
    loser's transaction rolls back on the unique key and it is sent where the winner led.
    Domain errors raised by ``work`` propagate, with nothing recorded. The caller checks
    the key is ``well_formed`` first (its own "form expired" page).
    """
    try:
        with transaction() as db:
            earlier = done_before(db, owner, key)
            if earlier is not None:
                return Outcome(earlier, None, first=False)
            target, shown = work(db)
            remember(db, owner, key, target)
    except IntegrityError:
        # The same form sent twice at once: the other submission did the work.
        with transaction() as db:
            earlier = done_before(db, owner, key)
        if earlier is None:
            raise
        return Outcome(earlier, None, first=False)
    return Outcome(target, shown, first=True)
