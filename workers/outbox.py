"""Running outbox jobs, in-process or inside an rq worker, and draining the outbox;
``flask jobs …`` to look at failed jobs, retry them and drain by hand."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any, TypeVar

import click
from flask.cli import AppGroup
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.clock import clock
from app.db import Runtime, UnitOfWork, current_runtime, unit_of_work
from app.db.jobs import OutboxJob, failed_jobs
from app.ops.metrics import JOB_FAILURES
from app.ops.observability import reset_request_id, set_request_id

log = logging.getLogger(__name__)

# A pending row younger than this may still be on its way to rq from its own commit.
DRAIN_AFTER = timedelta(seconds=10)
DRAIN_BATCH = 500
# A job "retrying" waits in rq's scheduled registry: lost with Redis's memory, it is
# handed over again like a pending one (unless rq still holds it).
WAITING = ("pending", "retrying")

JobFunction = TypeVar("JobFunction", bound=Callable[..., Any])
# Set on a job function by ``in_job_transaction``: the errors that still commit.
_IN_JOB_TRANSACTION = "_postcash_in_job_transaction"


def resolve(name: str) -> Callable[..., Any]:
    module_name, _, func_name = name.rpartition(".")
    if not module_name.startswith("workers."):
        raise ValueError(f"refusing to run {name!r}: jobs live in workers/")
    return getattr(importlib.import_module(module_name), func_name)


def _is_last_attempt() -> bool:
    try:
        from rq import get_current_job
    except ImportError:  # pragma: no cover
        return True
    job = get_current_job()
    if job is None:
        return True
    return not job.retries_left


def in_job_transaction(
    *, commit_on: tuple[type[Exception], ...] = ()
) -> Callable[[JobFunction], JobFunction]:
    """Marks a job whose work is one transaction: it runs inside its outbox row's own.

    ``run`` then calls it with ``session=`` (it must not commit) and records the
    row done in the same commit as the work: one transaction per job instead of
    three (started, the work, done), and no moment where the work is committed
    and the row not. Killed before that commit, the job left nothing behind and
    rq runs it again. ``commit_on``: the errors after which the work's changes
    are committed all the same (with the row marked for a retry) before the
    error goes back to rq, as an SMS's counted attempt when the provider gave
    no verdict. A job of several transactions (a chunked payout) is not marked.
    """

    def mark(func: JobFunction) -> JobFunction:
        setattr(func, _IN_JOB_TRANSACTION, commit_on)
        return func

    return mark


def run(outbox_id: int, runtime: Runtime | None = None) -> None:
    """Run one outbox job once; a job already done is skipped."""
    rt = runtime or current_runtime()
    unknown: Exception | None = None
    with rt.unit_of_work() as uow:
        job = uow.session.get(OutboxJob, outbox_id)
        if job is None or job.status == "done":
            return
        name, kwargs, request_id = job.name, dict(job.kwargs), job.request_id
        try:
            func = resolve(name)
        except Exception as exc:  # a job no code answers to: it fails like any other
            unknown = exc
        else:
            commit_on = getattr(func, _IN_JOB_TRANSACTION, None)
            if commit_on is not None:
                _run_in_job_transaction(rt, uow, job, func, commit_on)
                return
            _bookkeeping(uow.session)
            job.attempts += 1
            job.dispatched_at = clock.now()
            uow.commit()
    if unknown is not None:  # recorded once this unit of work has ended (SQLite's lock)
        _failed(rt, outbox_id, name, unknown, count_attempt=True)
        raise unknown
    token = set_request_id(request_id)
    try:
        func(**kwargs)
    except Exception as exc:
        _failed(rt, outbox_id, name, exc)
        raise
    finally:
        reset_request_id(token)
    with rt.unit_of_work() as uow:
        _bookkeeping(uow.session)
        job = uow.session.get(OutboxJob, outbox_id)
        if job is not None:
            job.status = "done"
            job.done_at = clock.now()
            job.last_error = None
            uow.commit()


def _run_in_job_transaction(
    rt: Runtime,
    uow: UnitOfWork,
    job: OutboxJob,
    func: Callable[..., Any],
    commit_on: tuple[type[Exception], ...],
) -> None:
    """The work and the row's bookkeeping in one transaction (``in_job_transaction``).

    The row is written once, at the end, with the work's own changes: the
    attempt counted, and done or marked for a retry (the row is not locked
    while the work waits on someone else, a provider). This commit waits for
    the disk like any other: an SMS marked sent must not be lost.
    """
    outbox_id, name = job.id, job.name
    started = clock.now()
    token = set_request_id(job.request_id)
    try:
        try:
            func(session=uow.session, **job.kwargs)
        except commit_on as exc:
            kept: Exception | None = exc
        else:
            kept = None
        job.attempts += 1
        job.dispatched_at = started
        if kept is None:
            job.status = "done"
            job.done_at = clock.now()
            job.last_error = None
        else:
            _count_failure(outbox_id, name, kept)
            _mark_failed(job, kept)
        uow.commit()
    except Exception as exc:
        uow.rollback()
        _failed(rt, outbox_id, name, exc, count_attempt=True)
        raise
    finally:
        reset_request_id(token)
    if kept is not None:
        raise kept


def _failed(
    rt: Runtime, outbox_id: int, name: str, exc: Exception, count_attempt: bool = False
) -> None:
    """Count and log a failed run, and record it on its row in a transaction of its own."""
    _count_failure(outbox_id, name, exc)
    with rt.unit_of_work() as uow:
        job = uow.session.get(OutboxJob, outbox_id)
        if job is not None:
            if count_attempt:
                job.attempts += 1
            _mark_failed(job, exc)
            uow.commit()


def _count_failure(outbox_id: int, name: str, exc: Exception) -> None:
    JOB_FAILURES.labels(job=name).inc()
    will_retry = "" if _is_last_attempt() else ", will retry"
    log.error(
        "job %s (%s) failed%s",
        outbox_id,
        name,
        will_retry,
        exc_info=(type(exc), exc, exc.__traceback__),
    )


def _mark_failed(job: OutboxJob, exc: Exception) -> None:
    job.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
    job.status = "failed" if _is_last_attempt() else "retrying"


def _bookkeeping(session: Session) -> None:
    """The outbox's own records of a job need not wait for the disk (PostgreSQL).

    For a job not run ``in_job_transaction``, marking it started or done is two
    of its three commits; a crash that loses the last of them makes the job run
    again, which jobs allow (they check state). The job's own transaction (an
    SMS marked sent) still waits for the disk: losing that one would text the
    customer twice.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))


def run_in_process(outbox_id: int) -> None:
    """The development executor: run now, keep failures visible instead of raising."""
    # A failure is already logged and recorded as failed; `flask jobs retry` re-runs it.
    with contextlib.suppress(Exception):
        run(outbox_id)


def drain(runtime: Runtime | None = None, older_than: timedelta = DRAIN_AFTER) -> int:
    """Hand over jobs that were committed but never reached the queue (Redis was down).

    What is still useful goes first: jobs with an end (a code) that has not come,
    newest first, since the customer who asked last is the one still waiting;
    then the others, oldest first. A job whose end has passed is not handed
    over: it runs here at once and drops itself (an SMS is marked failed,
    "expired", without being sent; the customer asks for a new code). Rows
    younger than ``older_than`` are left to their own dispatch, which may still
    be on its way. Everything waiting is handed over, in batches of
    ``DRAIN_BATCH``, as fast as Redis takes them: workers set the pace.
    """
    rt = runtime or current_runtime()
    now = clock.now()
    dropped = _drop_expired(rt, now)
    handed = 0
    for batch in _pending_batches(rt, now, now - older_than):
        for outbox_id, queue in batch:
            if rt.queue.uses_rq and _queued_in_rq(rt, outbox_id):
                continue
            if not rt.queue.dispatch(outbox_id, queue):
                return handed  # Redis went away again: the next drain goes on
            handed += 1
    if handed or dropped:
        log.info("outbox drained: %d handed over, %d expired dropped", handed, dropped)
    return handed


def _pending_batches(
    rt: Runtime, now: datetime, cutoff: datetime
) -> Iterator[list[tuple[int, str]]]:
    """``(id, queue)`` of waiting rows, still-valid codes newest first, then the rest."""
    valid = (OutboxJob.expires_at.is_not(None)) & (OutboxJob.expires_at > now)
    timeless = OutboxJob.expires_at.is_(None)
    for where, newest_first in ((valid, True), (timeless, False)):
        after: int | None = None
        while True:
            query = select(OutboxJob.id, OutboxJob.queue).where(
                OutboxJob.status.in_(WAITING), OutboxJob.created_at <= cutoff, where
            )
            if after is not None:
                query = query.where(OutboxJob.id < after if newest_first else OutboxJob.id > after)
            order = OutboxJob.id.desc() if newest_first else OutboxJob.id
            with rt.unit_of_work() as uow:
                rows = [
                    (i, q) for i, q in uow.session.execute(query.order_by(order).limit(DRAIN_BATCH))
                ]
            if not rows:
                break
            yield rows
            after = rows[-1][0]


def _drop_expired(rt: Runtime, now: datetime) -> int:
    """Run every pending job whose end has passed: it drops itself without sending."""
    with rt.unit_of_work() as uow:
        ids = list(
            uow.session.scalars(
                select(OutboxJob.id).where(
                    OutboxJob.status.in_(WAITING),
                    OutboxJob.expires_at.is_not(None),
                    OutboxJob.expires_at <= now,
                )
            )
        )
    for outbox_id in ids:
        try:
            run(outbox_id, rt)
        except Exception:  # logged by run; the next drain tries again
            log.warning("expired job %s could not be dropped now", outbox_id)
    return len(ids)


def drain_after_outage(runtime: Runtime) -> int:
    """Drain everything at once, fresh rows included: Redis has just come back.

    Rows committed during the outage failed their own dispatch: waiting
    ``DRAIN_AFTER`` for them would let the codes in them die. Several workers
    reconnect together; a lock in Redis lets one of them drain (should two
    overlap anyway, a job handed over twice runs once: jobs check state).
    Never raises: a worker must keep working whatever the drain meets.
    """
    try:
        connection = runtime.queue.connection()
        lock = f"{runtime.queue.namespace}postcash:outage-drain"
        if not connection.set(lock, "1", nx=True, ex=60):
            return 0
        try:
            return drain(runtime, older_than=timedelta(0))
        finally:
            connection.delete(lock)
    except Exception as exc:
        log.warning("outage drain stopped: %s; the drain sweep goes on", exc.__class__.__name__)
        return 0


def _queued_in_rq(rt: Runtime, outbox_id: int) -> bool:
    from rq.job import Job

    try:
        job = Job.fetch(rt.queue.job_id(outbox_id), connection=rt.queue.rq_queue().connection)
    except Exception:
        return False
    return job.get_status(refresh=False) in ("queued", "started", "deferred", "scheduled")


def retry_failed(runtime: Runtime | None = None, limit: int = 100) -> int:
    """Put failed jobs back to pending and dispatch them (operator action)."""
    rt = runtime or current_runtime()
    with rt.unit_of_work() as uow:
        jobs = uow.session.scalars(
            select(OutboxJob).where(OutboxJob.status == "failed").limit(limit)
        ).all()
        ids = [(job.id, job.queue) for job in jobs]
        for job in jobs:
            job.status = "pending"
        uow.commit()
    for outbox_id, queue in ids:
        rt.queue.dispatch(outbox_id, queue)
    return len(ids)


jobs_cli = AppGroup("jobs", help="Background jobs and the outbox.")


@jobs_cli.command("failed")
def jobs_failed() -> None:
    """List failed jobs with their last error."""
    with unit_of_work() as uow:
        for job in failed_jobs(uow.session):
            click.echo(f"{job.id}\t{job.name}\tattempts={job.attempts}\t{job.last_error}")


@jobs_cli.command("retry")
def jobs_retry() -> None:
    """Put failed jobs back in the queue."""
    click.echo(f"retried {retry_failed()} job(s)")


@jobs_cli.command("drain")
def jobs_drain() -> None:
    """Hand over jobs that never reached the queue (for example while Redis was down)."""
    click.echo(f"dispatched {drain()} job(s)")
