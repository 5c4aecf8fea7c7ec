"""Background jobs through a transactional outbox.

``enqueue(session, "workers.sms.send_message", message_id=...)`` writes a row
in ``job_outbox`` in the caller's transaction. After the commit the row is
dispatched: run in-process at once when ``REDIS_URL`` is unset (development,
tests), or handed to rq otherwise, with retries and backoff. If Redis is down
at that moment the row simply stays ``pending`` and the drainer
(``workers.outbox.drain``, run by the worker's scheduler loop and by ``flask
jobs drain``) hands it over later (the dispatcher is ``queue.py``): the database,
not Redis, is the record of what must still be done. Jobs take ids, never
objects, and check state so that running one twice does nothing twice.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.clock import clock
from app.db.engine import Base, BigIntPK, UTCDateTime, on_commit


class OutboxJob(Base):
    __tablename__ = "job_outbox"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    run_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def enqueue(session: Session, name: str, /, **kwargs: Any) -> OutboxJob:
    """Record a job in the caller's transaction; it is dispatched after commit."""
    from app.db.runtime import runtime_of
    from app.ops.observability import current_request_id

    job = OutboxJob(
        name=name,
        kwargs=kwargs,
        status="pending",
        attempts=0,
        request_id=current_request_id(),
        created_at=clock.now(),
    )
    session.add(job)
    session.flush()
    queue = runtime_of(session).queue
    job_id = job.id
    on_commit(session, lambda: queue.dispatch(job_id))
    return job


def enqueue_many(session: Session, name: str, kwargs_list: list[dict[str, Any]]) -> list[int]:
    """Record one job per ``kwargs`` in a single statement (a bulk payout's SMS)."""
    if not kwargs_list:
        return []
    from app.db.runtime import runtime_of
    from app.ops.observability import current_request_id

    now = clock.now()
    request_id = current_request_id()
    ids = list(
        session.scalars(
            insert(OutboxJob).returning(OutboxJob.id, sort_by_parameter_order=True),
            [
                {
                    "name": name,
                    "kwargs": kwargs,
                    "status": "pending",
                    "attempts": 0,
                    "request_id": request_id,
                    "created_at": now,
                }
                for kwargs in kwargs_list
            ],
        )
    )
    queue = runtime_of(session).queue
    for job_id in ids:  # one callback each: a job that fails to dispatch stops no other
        on_commit(session, partial(queue.dispatch, job_id))
    return ids


def pending_jobs(session: Session, older_than: datetime, limit: int = 500) -> list[OutboxJob]:
    return list(
        session.scalars(
            select(OutboxJob)
            .where(OutboxJob.status == "pending", OutboxJob.created_at <= older_than)
            .order_by(OutboxJob.id)
            .limit(limit)
        )
    )


def failed_jobs(session: Session, limit: int = 100) -> list[OutboxJob]:
    return list(
        session.scalars(
            select(OutboxJob)
            .where(OutboxJob.status == "failed")
            .order_by(OutboxJob.id.desc())
            .limit(limit)
        )
    )
