"""The hash chain of the audit trail: hashing an event, locking the head, verifying.

An event's hash covers every field an investigator reads (who, what, when, from
where, before and after) and its id, chained to the previous event's hash. The
canonical form is JSON with sorted keys and no spaces, and times as ISO 8601
UTC with microseconds, so the same row hashes the same on SQLite and
PostgreSQL, today and after a backup is restored.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit.locks import lock_chain_head
from app.audit.models import GENESIS_HASH, AuditChainHead, AuditEvent

HASHED_FIELDS = (
    "id",
    "occurred_at",
    "actor_role",
    "actor_id",
    "action",
    "target_type",
    "target_id",
    "ip",
    "request_id",
    "before",
    "after",
)


def canonical(fields: dict[str, Any]) -> str:
    """The exact text that is hashed for one event."""
    values = {name: fields[name] for name in HASHED_FIELDS}
    occurred_at: datetime = values["occurred_at"]
    values["occurred_at"] = occurred_at.astimezone(UTC).isoformat(timespec="microseconds")
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical(fields)).encode("utf-8")).hexdigest()


def lock_head(session: Session) -> tuple[int, str]:
    """Lock the chain head and return (last id, last hash).

    PostgreSQL: ``SELECT … FOR UPDATE`` on the single head row, held until the
    caller's transaction ends, so concurrent recorders append one after the
    other. SQLite ignores FOR UPDATE; its ``BEGIN IMMEDIATE`` already
    serialises writers. A missing head (a fresh or truncated table) is created
    from the current tail, and a concurrent creation is absorbed by ON CONFLICT.
    """
    row = lock_chain_head(session)
    if row is None:
        tail = session.execute(
            select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
        ).first()
        last_id, last_hash = (tail.id, tail.hash) if tail else (0, GENESIS_HASH)
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(AuditChainHead)
            .values(id=1, last_id=last_id, last_hash=last_hash)
            .on_conflict_do_nothing(index_elements=["id"])
        )
        row = lock_chain_head(session)
        assert row is not None
    return row


def advance_head(session: Session, last_id: int, last_hash: str) -> None:
    session.execute(
        update(AuditChainHead)
        .where(AuditChainHead.id == 1)
        .values(last_id=last_id, last_hash=last_hash)
        .execution_options(synchronize_session=False)
    )


def verify_chain(session: Session, batch_size: int = 1000) -> list[dict[str, Any]]:
    """Walk the chain in id order and return every broken link (empty when intact).

    * ``hash_mismatch``: the row's fields no longer give its stored hash (edited);
    * ``prev_hash_mismatch``: the row does not point at the hash of the row
      before it (a row before it was deleted, or edited and re-hashed);
    * ``head_mismatch``: the head names an event that is not the last one
      (the tail was deleted, or rows were added around ``record``).
    """
    columns = [getattr(AuditEvent, name) for name in HASHED_FIELDS]
    broken: list[dict[str, Any]] = []
    expected_prev = GENESIS_HASH
    last_id, last_hash = 0, GENESIS_HASH
    after_id: int | None = None
    while True:
        query = select(*columns, AuditEvent.prev_hash, AuditEvent.hash).order_by(AuditEvent.id)
        if after_id is not None:
            query = query.where(AuditEvent.id > after_id)
        rows = session.execute(query.limit(batch_size)).all()
        if not rows:
            break
        for row in rows:
            fields = dict(row._mapping)
            if row.prev_hash != expected_prev:
                broken.append(
                    {
                        "id": row.id,
                        "problem": "prev_hash_mismatch",
                        "after_id": last_id or None,
                        "expected": expected_prev,
                        "found": row.prev_hash,
                    }
                )
            recomputed = event_hash(row.prev_hash, fields)
            if recomputed != row.hash:
                broken.append(
                    {
                        "id": row.id,
                        "problem": "hash_mismatch",
                        "expected": recomputed,
                        "found": row.hash,
                    }
                )
            expected_prev = row.hash
            last_id, last_hash = row.id, row.hash
        after_id = rows[-1].id
    head = session.execute(
        select(AuditChainHead.last_id, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).first()
    if head is not None and (head.last_id, head.last_hash) != (last_id, last_hash):
        broken.append(
            {
                "id": head.last_id,
                "problem": "head_mismatch",
                "after_id": last_id or None,
                "expected": head.last_hash,
                "found": last_hash,
            }
        )
    return broken


def chain_summary(session: Session) -> dict[str, Any]:
    """Count and head hash: an operator can write the hash down elsewhere to anchor the chain."""
    count = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    head = session.execute(
        select(AuditChainHead.last_id, AuditChainHead.last_hash).where(AuditChainHead.id == 1)
    ).first()
    return {
        "events": int(count),
        "last_id": head.last_id if head else 0,
        "head_hash": head.last_hash if head else GENESIS_HASH,
    }
