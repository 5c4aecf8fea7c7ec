"""Reading the audit trail: newest first, filtered, paged by id (keyset).

Keyset paging (``id < before_id``) rather than offsets: the trail only grows,
so a page never shifts under an admin reading it while staff keep working.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEvent


@dataclass(frozen=True)
class EventPage:
    items: list[AuditEvent]
    next_before_id: int | None


def list_events(
    session: Session,
    *,
    actor_id: str | None = None,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 20,
    before_id: int | None = None,
) -> EventPage:
    """One page of events matching every given filter; ``until`` is exclusive."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(limit + 1)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if action is not None:
        query = query.where(AuditEvent.action == action)
    if target_type is not None:
        query = query.where(AuditEvent.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEvent.target_id == target_id)
    if since is not None:
        query = query.where(AuditEvent.occurred_at >= since)
    if until is not None:
        query = query.where(AuditEvent.occurred_at < until)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = list(session.scalars(query))
    if len(rows) > limit:
        return EventPage(rows[:limit], rows[limit - 1].id)
    return EventPage(rows, None)
