"""``python -m workers`` (``make worker``): an rq worker with its scheduler and sweeps.

The application is built in ``main()``, never at import, and its context is
pushed for the worker's lifetime so jobs find their runtime. rq's scheduler
(``with_scheduler=True``) moves retries with backoff back to the queue; a
small thread enqueues the registered sweeps (``workers/schedule.py``). With
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
from workers.schedule import SWEEPS, run_sweeps

log = logging.getLogger("workers")

# rq retries the jobs of a worker that died (SIGKILL, OOM) once their heartbeat lapses,
# when a live worker next cleans its registries: every minute here, not every ten.
MAINTENANCE_INTERVAL = 60


def worker_connection(redis_url: str | None) -> Any:
    """The worker's own Redis connection, without the application's 5 s socket timeout.

    rq blocks on BLPOP for minutes while the queue is idle and raises the socket
    timeout of the connection it is given to fit; a connection shared with the
    application (or the sweeps thread) may already hold sockets with the short
    one, and a worker whose BLPOP times out quits.
    """
    from redis import Redis

    return Redis.from_url(redis_url or "", socket_connect_timeout=5, health_check_interval=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="work until the queue is empty")
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

    from rq import Worker

    queue = runtime.queue.rq_queue()
    stop = threading.Event()
    with app.app_context():
        if not options.no_sweeps and not options.burst:
            names = ", ".join(sorted(SWEEPS)) or "none"
            log.info("sweeps every %.0f s: %s", options.tick, names)
            threading.Thread(
                target=run_sweeps,
                args=(queue, stop, options.tick, time.time),
                name="sweeps",
                daemon=True,
            ).start()
        worker = Worker(
            [queue.name],
            connection=worker_connection(runtime.queue.redis_url),
            maintenance_interval=MAINTENANCE_INTERVAL,
        )
        try:
            worker.work(burst=options.burst, with_scheduler=True)
        finally:
            stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
