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
from app.db.queue import DEFAULT, queue_for


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
    # The rq queue it goes to (``queue.ROUTES``), so the drainer hands it to the same one.
    queue: Mapped[str] = mapped_column(String(16), default=DEFAULT, server_default=DEFAULT)
    # Past this moment the job is useless (a code that has died): the drainer drops it.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


_TABLE = OutboxJob.__table__
_INSERT_ONE = insert(_TABLE).returning(_TABLE.c.id)
_INSERT_MANY = insert(_TABLE).returning(_TABLE.c.id, sort_by_parameter_order=True)


def enqueue(
    session: Session,
    name: str,
    /,
    *,
    route: str | None = None,
    expires_at: datetime | None = None,
    **kwargs: Any,
) -> int:
    """Record a job in the caller's transaction; it is dispatched after commit. Returns its id.

    ``route`` is a finer key than the job's name for ``queue.ROUTES`` (an SMS's
    purpose); ``expires_at`` is when running it stops making sense (a code's end).
    The row is written with a Core INSERT on the session's connection, not
    through the ORM: a job is never read back in the transaction that records
    it, and the ORM's flush of one object costs a payment more CPU than the
    statement itself (issue 21's profile).
    """
    from app.db.runtime import runtime_of
    from app.ops.observability import current_request_id

    queue = queue_for(name, route)
    job_id: int = (
        session.connection()
        .execute(
            _INSERT_ONE,
            {
                "name": name,
                "kwargs": kwargs,
                "status": "pending",
                "attempts": 0,
                "request_id": current_request_id(),
                "created_at": clock.now(),
                "queue": queue,
                "expires_at": expires_at,
            },
        )
        .scalar_one()
    )
    dispatcher = runtime_of(session).queue
    on_commit(session, partial(dispatcher.dispatch, job_id, queue))
    return job_id


def enqueue_many(
    session: Session,
    name: str,
    kwargs_list: list[dict[str, Any]],
    *,
    routes: list[str | None] | None = None,
    expires_at: list[datetime | None] | None = None,
) -> list[int]:
    """Record one job per ``kwargs`` in a single statement (a bulk payout's SMS).

    ``routes`` and ``expires_at``, when given, hold one entry per job (see ``enqueue``).
    """
    if not kwargs_list:
        return []
    from app.db.runtime import runtime_of
    from app.ops.observability import current_request_id

    now = clock.now()
    request_id = current_request_id()
    queues = [queue_for(name, route) for route in routes or [None] * len(kwargs_list)]
    ends = expires_at or [None] * len(kwargs_list)
    ids = list(
        session.connection()  # Core, not the ORM's bulk insert: see ``enqueue``
        .execute(
            _INSERT_MANY,
            [
                {
                    "name": name,
                    "kwargs": kwargs,
                    "status": "pending",
                    "attempts": 0,
                    "request_id": request_id,
                    "created_at": now,
                    "queue": queue,
                    "expires_at": end,
                }
                for kwargs, queue, end in zip(kwargs_list, queues, ends, strict=True)
            ],
        )
        .scalars()
    )
    dispatcher = runtime_of(session).queue
    for job_id, queue in zip(ids, queues, strict=True):
        # one callback each: a job that fails to dispatch stops no other
        on_commit(session, partial(dispatcher.dispatch, job_id, queue))
    return ids


def failed_jobs(session: Session, limit: int = 100) -> list[OutboxJob]:
    return list(
        session.scalars(
            select(OutboxJob)
            .where(OutboxJob.status == "failed")
            .order_by(OutboxJob.id.desc())
            .limit(limit)
        )
    )
