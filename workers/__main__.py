"""``python -m workers`` (``make worker``): an rq worker with its scheduler and sweeps.

The application is built in ``main()``, never at import, and its context is
pushed for the worker's lifetime so jobs find their runtime. The worker listens
to the queues of ``app/db/queue.py`` in priority order (sweeps, urgent,
default, bulk) and runs each job in its own process (rq's ``SimpleWorker``):
no fork and no application start per job, so the database pool and the SMS
provider's HTTP session are reused from one job to the next. Run several
processes for more throughput (docs/DEPLOY.md).

Redis unreachable, at start or later, never ends the process: it waits with
backoff (``RECONNECT_DELAYS``) and starts listening again; every time it gets
Redis back it drains the outbox at once (``workers.outbox.drain_after_outage``),
so the codes still valid go out first. rq's scheduler (``with_scheduler=True``)
moves retries with backoff back to their queue; a small thread enqueues the
registered sweeps (``workers/schedule.py``) on their own queue. With
``--metrics-port`` (or ``METRICS_PORT``) the worker serves its own metrics.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
from typing import Any

from app import create_app
from app.db.queue import PRIORITY
from app.db.queue import SWEEPS as SWEEPS_QUEUE
from workers.schedule import SWEEPS, run_sweeps

log = logging.getLogger("workers")

# rq retries the jobs of a worker that died (SIGKILL, OOM) once their heartbeat lapses,
# when a live worker next cleans its registries: every minute here, not every ten.
MAINTENANCE_INTERVAL = 60
# Seconds between two attempts to reach Redis; the last one repeats for ever.
RECONNECT_DELAYS = (0.5, 1.0, 2.0, 4.0, 5.0)
# rq's own wait between two failed dequeues grows to this (its default: a minute).
MAX_CONNECTION_WAIT = 2.0

sleep = time.sleep  # tests replace it to act while the worker waits for Redis


def worker_connection(redis_url: str | None) -> Any:
    """The worker's own Redis connection, without the application's 5 s socket timeout.

    rq blocks on BLPOP for minutes while the queue is idle and raises the socket
    timeout of the connection it is given to fit; a connection shared with the
    application (or the sweeps thread) may already hold sockets with the short
    one, and a worker whose BLPOP times out quits.
    """
    from redis import Redis

    return Redis.from_url(redis_url or "", socket_connect_timeout=5, health_check_interval=30)


def reconnect_delay(attempt: int) -> float:
    """How long to wait before the ``attempt``-th (0-based) new try to reach Redis."""
    return RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="work until the queues are empty")
    parser.add_argument("--no-sweeps", action="store_true", help="do not enqueue sweeps")
    parser.add_argument("--tick", type=float, default=15.0, help="seconds between sweep checks")
    parser.add_argument(
        "--metrics-port",
        type=int,
        default=int(os.environ.get("METRICS_PORT") or 0),
        help="serve this worker's Prometheus metrics on this port (env METRICS_PORT; 0: off)",
    )
    options = parser.parse_args(argv)

    app = create_app()
    runtime = app.extensions["postcash"]
    if not runtime.queue.uses_rq:
        log.error("REDIS_URL is not set: jobs run in-process, there is nothing to work on")
        return 2

    if options.metrics_port:
        # Job failures and SMS counts live in this process: nobody scrapes them otherwise.
        from app.ops.metrics import start_exporter

        start_exporter(runtime, options.metrics_port)

    stop = threading.Event()
    with app.app_context():
        if not options.no_sweeps and not options.burst:
            names = ", ".join(sorted(SWEEPS)) or "none"
            log.info("sweeps every %.0f s: %s", options.tick, names)
            threading.Thread(
                target=run_sweeps,
                args=(runtime.queue.rq_queue(SWEEPS_QUEUE), stop, options.tick, time.time),
                kwargs={"on_recovery": _recovery_drain(app)},
                name="sweeps",
                daemon=True,
            ).start()
        try:
            return _work(runtime, options.burst)
        finally:
            stop.set()


def _work(runtime: Any, burst: bool) -> int:
    """Listen until told to stop (or, in burst mode, until the queues are empty).

    Any Redis error, at start or while working, sends the worker back to wait
    for Redis with backoff; it never ends the process. SIGTERM or SIGINT while
    it waits ends it at once (rq's own handlers would need Redis to answer).
    """
    import rq
    from redis.exceptions import RedisError
    from rq.exceptions import StopRequested

    from workers.outbox import drain_after_outage

    names = [runtime.queue.name_of(queue) for queue in PRIORITY]
    stopping = threading.Event()
    attempt = 0
    while not stopping.is_set():
        connection = worker_connection(runtime.queue.redis_url)
        try:
            connection.ping()
            if attempt:
                log.warning("redis is back after %d failed attempt(s)", attempt)
            drain_after_outage(runtime)
            attempt = 0
            worker = rq.SimpleWorker(
                names, connection=connection, maintenance_interval=MAINTENANCE_INTERVAL
            )
            worker.max_connection_wait_time = MAX_CONNECTION_WAIT
            worker.work(burst=burst, with_scheduler=True)
            if burst or getattr(worker, "_stop_requested", False):
                return 0
            log.warning("worker stopped without being asked to: listening again")
        except StopRequested:
            return 0
        except RedisError as exc:
            _stop_on_signal(stopping)
            delay = reconnect_delay(attempt)
            attempt += 1
            log.warning(
                "redis unreachable (%s): trying again in %.1f s", exc.__class__.__name__, delay
            )
            sleep(delay)
        finally:
            connection.close()
    return 0


def _stop_on_signal(stopping: threading.Event) -> None:
    """While waiting for Redis, SIGTERM and SIGINT set ``stopping`` (main thread only)."""
    import signal

    def ask(_signum: int, _frame: Any) -> None:
        stopping.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, ask)
        signal.signal(signal.SIGINT, ask)


def _recovery_drain(app: Any) -> Any:
    """What the sweeps thread runs when Redis answers again after failing."""
    from workers.outbox import drain_after_outage

    def drain() -> None:
        with app.app_context():
            drain_after_outage(app.extensions["postcash"])

    return drain


if __name__ == "__main__":
    raise SystemExit(main())
