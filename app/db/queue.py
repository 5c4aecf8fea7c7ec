"""The dispatcher of committed outbox rows (``jobs.py``): in-process or through rq.

The application's runtime holds one (``runtime.py``); rq retries a job with the
backoff of ``RETRY_INTERVALS`` before it is marked failed.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

RETRY_INTERVALS = [10, 30, 120, 600, 1800]


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
            if not self.redis_url:
                raise RuntimeError("no REDIS_URL: jobs run in-process (see uses_rq)")
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
