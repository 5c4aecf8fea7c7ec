"""Running outbox jobs, in-process or inside an rq worker, and draining the outbox;
``flask jobs …`` to look at failed jobs, retry them and drain by hand."""

from __future__ import annotations

import contextlib
import importlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click
from flask.cli import AppGroup

from app.clock import clock
from app.db import Runtime, current_runtime, unit_of_work
from app.db.jobs import OutboxJob, failed_jobs, pending_jobs
from app.ops.metrics import JOB_FAILURES
from app.ops.observability import reset_request_id, set_request_id

log = logging.getLogger(__name__)

DRAIN_AFTER = timedelta(seconds=60)


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


def run(outbox_id: int, runtime: Runtime | None = None) -> None:
    """Run one outbox job once; a job already done is skipped."""
    rt = runtime or current_runtime()
    with rt.unit_of_work() as uow:
        job = uow.session.get(OutboxJob, outbox_id)
        if job is None or job.status == "done":
            return
        name, kwargs, request_id = job.name, dict(job.kwargs), job.request_id
        job.attempts += 1
        job.dispatched_at = clock.now()
        uow.commit()
    token = set_request_id(request_id)
    try:
        resolve(name)(**kwargs)
    except Exception as exc:
        JOB_FAILURES.labels(job=name).inc()
        last = _is_last_attempt()
        log.exception("job %s (%s) failed%s", outbox_id, name, "" if last else ", will retry")
        with rt.unit_of_work() as uow:
            job = uow.session.get(OutboxJob, outbox_id)
            if job is not None:
                job.last_error = f"{exc.__class__.__name__}: {exc}"[:2000]
                job.status = "failed" if last else "retrying"
                uow.commit()
        raise
    finally:
        reset_request_id(token)
    with rt.unit_of_work() as uow:
        job = uow.session.get(OutboxJob, outbox_id)
        if job is not None:
            job.status = "done"
            job.done_at = clock.now()
            job.last_error = None
            uow.commit()


def run_in_process(outbox_id: int) -> None:
    """The development executor: run now, keep failures visible instead of raising."""
    # A failure is already logged and recorded as failed; `flask jobs retry` re-runs it.
    with contextlib.suppress(Exception):
        run(outbox_id)


def drain(runtime: Runtime | None = None) -> int:
    """Hand over jobs that were committed but never reached the queue (Redis was down)."""
    rt = runtime or current_runtime()
    with rt.unit_of_work() as uow:
        ids = [job.id for job in pending_jobs(uow.session, clock.now() - DRAIN_AFTER)]
    handed = 0
    for outbox_id in ids:
        if rt.queue.uses_rq and _queued_in_rq(rt, outbox_id):
            continue
        if rt.queue.dispatch(outbox_id):
            handed += 1
    return handed


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
    from sqlalchemy import select

    with rt.unit_of_work() as uow:
        jobs = uow.session.scalars(
            select(OutboxJob).where(OutboxJob.status == "failed").limit(limit)
        ).all()
        ids = [job.id for job in jobs]
        for job in jobs:
            job.status = "pending"
        uow.commit()
    for outbox_id in ids:
        rt.queue.dispatch(outbox_id)
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
