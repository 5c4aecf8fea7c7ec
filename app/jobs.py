"""Background jobs through a transactional outbox.

``enqueue(session, "workers.sms.send_message", message_id=...)`` writes a row
in ``job_outbox`` in the caller's transaction. After the commit the row is
dispatched: run in-process at once when ``REDIS_URL`` is unset (development,
tests), or handed to rq otherwise, with retries and backoff. If Redis is down
at that moment the row simply stays ``pending`` and the drainer
(``workers.outbox.drain``, run by the worker's scheduler loop and by ``flask
jobs drain``) hands it over later: the database, not Redis, is the record of
what must still be done. Jobs take ids, never objects, and check state so that
running one twice does nothing twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.clock import clock
from app.db import Base, BigIntPK, UTCDateTime, on_commit

log = logging.getLogger(__name__)

RETRY_INTERVALS = [10, 30, 120, 600, 1800]


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


class JobQueue:
    """Dispatches committed outbox rows: in-process or through rq."""

    def __init__(self, redis_url: str | None, queue_name: str = "default") -> None:
        self.redis_url = redis_url
        self.queue_name = queue_name
        self._queue: Any = None
        self.runner: Any = None  # set by the app: callable(outbox_id) running a job in-process

    @property
    def uses_rq(self) -> bool:
        return bool(self.redis_url)

    def job_id(self, outbox_id: int) -> str:
        """The rq job id of an outbox row, namespaced by queue.

        rq job ids are global to a Redis database and outbox ids restart with
        every database, so two applications sharing one Redis (test sessions,
        staging beside production) must not mistake each other's jobs.
        """
        return f"{self.queue_name}-outbox-{outbox_id}"

    def rq_queue(self) -> Any:
        if self._queue is None:
            from redis import Redis
            from rq import Queue

            connection = Redis.from_url(self.redis_url, socket_connect_timeout=2, socket_timeout=5)
            self._queue = Queue(self.queue_name, connection=connection)
        return self._queue

    def dispatch(self, outbox_id: int) -> bool:
        """Hand one committed outbox row to its executor. False if it must wait for the drainer."""
        if not self.uses_rq:
            assert self.runner is not None, "no in-process job runner configured"
            self.runner(outbox_id)
            return True
        try:
            from rq import Retry

            self.rq_queue().enqueue(
                "workers.outbox.run",
                outbox_id,
                job_id=self.job_id(outbox_id),
                retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                failure_ttl=7 * 24 * 3600,
            )
            return True
        except Exception as exc:  # Redis down: the drainer will hand it over later
            log.warning("job %s left in outbox: %s", outbox_id, exc.__class__.__name__)
            return False


def enqueue(session: Session, name: str, /, **kwargs: Any) -> OutboxJob:
    """Record a job in the caller's transaction; it is dispatched after commit."""
    from app.ops.observability import current_request_id
    from app.runtime import runtime_of

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
    from app.ops.observability import current_request_id
    from app.runtime import runtime_of

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
