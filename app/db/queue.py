"""The dispatcher of committed outbox rows (``jobs.py``): in-process or through rq.

Jobs go to one of a few rq queues by urgency, and every worker listens to them
in ``PRIORITY`` order, so a code the customer is waiting for now is never stuck
behind a backlog of receipts or a bulk payout:

* ``sweeps``: the scheduled sweeps (outbox drain, expiries); few, short, and
  late sweeps leave money "reserved" that is free, so they come first;
* ``urgent``: SMS carrying a code (OTP, cash-out and remittance codes);
* ``default``: receipts, notifications, partner callbacks, alerts;
* ``bulk``: bulk payouts and their receipts, reports, settlement.

Which queue a job goes to is decided here and only here: ``ROUTES`` maps a
job's name, or a finer route key given by whoever enqueues it (``sms:otp``), to
its queue. The application's runtime holds one ``JobQueue``; rq retries a job
with the backoff of ``RETRY_INTERVALS`` before it is marked failed.
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

RETRY_INTERVALS = [10, 30, 120, 600, 1800]

SWEEPS = "sweeps"
URGENT = "urgent"
DEFAULT = "default"
BULK = "bulk"

# The order every worker listens in: it takes from a later queue only when the
# earlier ones are empty.
PRIORITY: tuple[str, ...] = (SWEEPS, URGENT, DEFAULT, BULK)

# The one table of where each job goes: a route key (``sms:<purpose>``, given by
# the enqueuer) first, then the job's name; anything else goes to ``default``.
ROUTES: dict[str, str] = {
    # SMS: a message with a code in it is "sms:code" whatever its purpose.
    "sms:code": URGENT,
    "sms:otp": URGENT,
    "sms:remittance": URGENT,
    "sms:receipt": DEFAULT,
    "sms:notification": DEFAULT,
    "sms:welcome": DEFAULT,
    "sms:security": DEFAULT,
    "sms:reply": DEFAULT,
    "sms:bulk": BULK,  # a bulk payout's receipts, thousands at once
    "workers.sms.deliver": DEFAULT,
    "workers.payments.deliver_callback": DEFAULT,
    "workers.remittances.deliver_partner_callback": DEFAULT,
    "workers.security.notify_oncall": DEFAULT,
    "workers.reconciliation.notify_oncall": DEFAULT,
    "workers.disbursements.process_batch": BULK,
    "workers.disbursements.notify": BULK,
}


def queue_for(name: str, route: str | None = None) -> str:
    """The queue of a job: by its route key if the table knows it, else by its name."""
    if route is not None and route in ROUTES:
        return ROUTES[route]
    return ROUTES.get(name, DEFAULT)


class JobQueue:
    """Dispatches committed outbox rows: in-process or through rq, by urgency.

    ``namespace`` prefixes every rq queue name and job id (empty in production):
    tests and a staging beside production share one Redis without mistaking
    each other's queues, and outbox ids restart with every database.
    """

    def __init__(self, redis_url: str | None, namespace: str = "") -> None:
        self.redis_url = redis_url
        self.namespace = namespace
        self._connection: Any = None
        self._queues: dict[str, Any] = {}
        self.runner: Any = None  # set by the app: callable(outbox_id) running a job in-process

    @property
    def uses_rq(self) -> bool:
        return bool(self.redis_url)

    def use_namespace(self, namespace: str) -> None:
        """Tests: put this application's queues and job ids under their own prefix."""
        self.namespace = namespace
        self._queues = {}

    def use_redis(self, redis_url: str | None) -> None:
        """Point at another Redis (tests of an outage); connections are made again."""
        self.redis_url = redis_url
        self._connection = None
        self._queues = {}

    def name_of(self, queue: str) -> str:
        """The rq name of one of ``PRIORITY``'s queues."""
        return f"{self.namespace}{queue}"

    def job_id(self, outbox_id: int) -> str:
        """The rq job id of an outbox row: the same whichever queue it went to."""
        return f"{self.namespace}outbox-{outbox_id}"

    def connection(self) -> Any:
        if self._connection is None:
            if not self.redis_url:
                raise RuntimeError("no REDIS_URL: jobs run in-process (see uses_rq)")
            from redis import Redis

            self._connection = Redis.from_url(
                self.redis_url, socket_connect_timeout=2, socket_timeout=5
            )
        return self._connection

    def rq_queue(self, queue: str = DEFAULT) -> Any:
        """The rq queue of that urgency (``default`` unless told)."""
        if queue not in PRIORITY:
            raise ValueError(f"unknown queue {queue!r}: one of {', '.join(PRIORITY)}")
        if queue not in self._queues:
            from rq import Queue

            self._queues[queue] = Queue(self.name_of(queue), connection=self.connection())
        return self._queues[queue]

    def rq_queues(self) -> list[Any]:
        """Every rq queue, in the order workers listen to them."""
        return [self.rq_queue(queue) for queue in PRIORITY]

    def dispatch(self, outbox_id: int, queue: str = DEFAULT) -> bool:
        """Hand one committed outbox row to its executor. False if it must wait for the drainer."""
        if not self.uses_rq:
            assert self.runner is not None, "no in-process job runner configured"
            self.runner(outbox_id)
            return True
        try:
            from rq import Retry

            self.rq_queue(queue).enqueue(
                "workers.outbox.run",
                outbox_id,
                job_id=self.job_id(outbox_id),
                retry=Retry(max=len(RETRY_INTERVALS), interval=RETRY_INTERVALS),
                failure_ttl=7 * 24 * 3600,
                result_ttl=0,  # the outbox row records it done: nothing to keep in Redis
            )
            return True
        except Exception as exc:  # Redis down: the drainer will hand it over later
            log.warning("job %s left in outbox: %s", outbox_id, exc.__class__.__name__)
            return False
