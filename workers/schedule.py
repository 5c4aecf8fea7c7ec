"""Sweeps: jobs the worker enqueues every so often (outbox drain, expiries, purges).

A sweep is registered here by name with its job and period; sweeps go to
their own queue (``sweeps``), which every worker takes from first, so a backlog
of SMS never makes an expiry late. Every worker
process runs the same loop (``workers.__main__``), so a sweep's rq job id is
made of its queue, its name and the current time bucket
(``<queue>-sweep-<name>-<bucket>``) and
enqueued with ``unique=True``: however many workers tick, one job per period
runs. Jobs must be safe to run again (they check state), because rq may still
retry one after the next bucket has started.

Add a sweep with one line at the bottom of this module.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

DOWN_TICK = 1.0  # seconds between two tries while Redis does not answer

SWEEPS: dict[str, tuple[str, int]] = {}


def register_sweep(name: str, job_name: str, every_seconds: int) -> None:
    """Run ``job_name`` (a dotted ``workers.*`` function) every ``every_seconds``."""
    if not job_name.startswith("workers."):
        raise ValueError(f"sweep {name!r}: jobs live in workers/, not {job_name!r}")
    if every_seconds <= 0:
        raise ValueError(f"sweep {name!r}: period must be positive")
    if not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"sweep {name!r}: letters, digits, '-' and '_' only (it names rq jobs)")
    SWEEPS[name] = (job_name, every_seconds)


def sweep_job_id(queue_name: str, name: str, every_seconds: int, now: float) -> str:
    return f"{queue_name}-sweep-{name}-{int(now // every_seconds)}"


def enqueue_due_sweeps(queue: Any, now: float) -> list[str]:
    """Enqueue each sweep not yet enqueued in its current bucket; the ids enqueued."""
    from rq.exceptions import DuplicateJobError

    enqueued: list[str] = []
    for name, (job_name, every) in sorted(SWEEPS.items()):
        job_id = sweep_job_id(queue.name, name, every, now)
        try:
            queue.enqueue(
                job_name,
                job_id=job_id,
                unique=True,
                result_ttl=max(every * 2, 600),
                failure_ttl=7 * 24 * 3600,
                job_timeout=max(every, 300),
            )
        except DuplicateJobError:
            continue
        enqueued.append(job_id)
    return enqueued


def run_sweeps(
    queue: Any,
    stop: threading.Event,
    tick: float,
    clock: Any,
    on_recovery: Callable[[], None] | None = None,
) -> None:
    """Until ``stop`` is set, enqueue due sweeps every ``tick`` seconds (a thread body).

    While Redis is away it tries every ``DOWN_TICK`` seconds instead, and the
    first time it gets through again it calls ``on_recovery`` (the outbox
    drain: what was committed meanwhile goes out at once, not a minute later).
    """
    down = False
    while True:
        try:
            enqueue_due_sweeps(queue, clock())
            if down and on_recovery is not None:
                on_recovery()
            down = False
        except Exception as exc:  # Redis away for a moment: try again soon
            log.warning("sweeps not enqueued: %s", exc.__class__.__name__)
            down = True
        if stop.wait(min(tick, DOWN_TICK) if down else tick):
            return


register_sweep("outbox-drain", "workers.outbox.drain", 15)
register_sweep("idempotency-purge", "workers.idempotency.purge", 3600)
register_sweep("transfers-expiry", "workers.transfers.expire_stale", 60)
register_sweep("tokens-purge", "workers.auth.purge_tokens", 3600)
register_sweep("registrations-purge", "workers.customers.purge_registrations", 3600)
register_sweep("remittances-expire", "workers.remittances.expire_due", 60)
register_sweep("reconciliation", "workers.reconciliation.reconcile_yesterday", 24 * 3600)
register_sweep("payment-requests-expire", "workers.payments.expire_requests", 60)
register_sweep("callbacks-retry", "workers.payments.retry_callbacks", 30)
register_sweep("billers-settle", "workers.payments.settle_yesterday", 3600)
register_sweep("disbursements-resume", "workers.disbursements.resume_stalled", 300)
register_sweep("ussd-sessions-purge", "workers.ussd.purge_sessions", 600)
register_sweep("likelemba-collect", "workers.likelemba.run_due", 900)
register_sweep("savings-interest", "workers.savings.accrue_interest", 3600)
