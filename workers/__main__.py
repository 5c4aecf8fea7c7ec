"""``python -m workers`` (``make worker``): an rq worker with its scheduler and sweeps.

The application is built in ``main()``, never at import, and its context is
pushed for the worker's lifetime so jobs find their runtime. rq's scheduler
(``with_scheduler=True``) moves retries with backoff back to the queue; a
small thread enqueues the registered sweeps (``workers/schedule.py``).
"""

from __future__ import annotations

import argparse
import logging
import threading
import time

from app import create_app
from workers.schedule import SWEEPS, run_sweeps

log = logging.getLogger("workers")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers", description=__doc__)
    parser.add_argument("--burst", action="store_true", help="work until the queue is empty")
    parser.add_argument("--no-sweeps", action="store_true", help="do not enqueue sweeps")
    parser.add_argument("--tick", type=float, default=15.0, help="seconds between sweep checks")
    options = parser.parse_args(argv)

    app = create_app()
    runtime = app.extensions["postcash"]
    if not runtime.queue.uses_rq:
        log.error("REDIS_URL is not set: jobs run in-process, there is nothing to work on")
        return 2

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
        worker = Worker([queue], connection=queue.connection)
        try:
            worker.work(burst=options.burst, with_scheduler=True)
        finally:
            stop.set()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
