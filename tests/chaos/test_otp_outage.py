"""Codes under load and a Redis outage, bounded for CI (a stack of this test's own).

A PostgreSQL cluster, a Redis server and the fake Africa's Talking of the
test's own, two ``python -m workers`` processes (the chaos worker: SMS to the
fake provider), and the test itself committing SMS as the application does:
an OTP and a receipt five times a second.

1. A backlog of receipts is waiting when the workers start: the sweeps they
   enqueue are run at once, not behind it.
2. Redis is killed (SIGKILL, no persistence: its queues are lost) for 10 s
   while the load goes on, then started again: every OTP committed during the
   outage that is still valid is at the provider within 10 s of Redis's
   return; those that died meanwhile are never sent (marked failed).
3. No worker process exits at any moment.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from rq.job import Job

from app.clock import SystemClock
from app.clock import clock as app_clock
from app.db import transaction
from app.db.queue import SWEEPS
from app.notify import SmsMessage, send_sms
from tests.chaos.harness import (
    PIN_PEPPERS,
    SECRET_KEY,
    PostgresCluster,
    RedisServer,
    RqWorker,
    app_environment,
    migrate,
    tail,
    tools_available,
    wait_until,
)
from tests.conftest import IN_CI
from tests.fake_africastalking import FakeProvider

pytestmark = pytest.mark.chaos

OUTAGE_SECONDS = 10
RETURN_GOAL_SECONDS = 10
BACKLOG = 300
WORKERS = 2


@pytest.fixture(autouse=True)
def clock():
    """Real time: the workers read the system clock, not a frozen one."""
    app_clock.use(SystemClock())
    yield app_clock


@pytest.fixture
def stack():
    missing = tools_available()
    if missing:
        if IN_CI:
            pytest.fail(f"chaos tools missing: {missing}")
        pytest.skip(f"chaos tools missing: {missing}")
    stack = Stack()
    try:
        yield stack.up()
    finally:
        stack.down()


class Stack:
    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="postcash-chaos-otp-"))
        self.pg = PostgresCluster()
        self.redis = RedisServer()
        self.provider = FakeProvider()
        self.workers: list[RqWorker] = []
        self.app = None
        self.env: dict[str, str] = {}

    def up(self) -> Stack:
        from app import create_app
        from app.config import Config

        self.pg.init()
        url = self.pg.create_database("postcash_chaos_otp")
        migrate(url)
        self.redis.start()
        self.provider.start()
        self.env = app_environment(url, self.redis.url, self.provider.base_url)
        self.app = create_app(
            Config.from_env(
                APP_ENV="staging",
                SECRET_KEY=SECRET_KEY,
                PIN_PEPPERS=PIN_PEPPERS,
                DATABASE_URL=url,
                REDIS_URL=self.redis.url,
                SMS_BACKEND="console",
                LOG_JSON=False,
                LOG_LEVEL="WARNING",
            )
        )
        return self

    @property
    def runtime(self):
        return self.app.extensions["postcash"]

    def start_workers(self) -> None:
        for n in range(WORKERS):
            worker = RqWorker(self.env, self.workdir / f"worker-{n}.log")
            worker.start()
            self.workers.append(worker)

    def logs(self) -> str:
        return "\n".join(tail(w.log, 15) for w in self.workers)

    def arrivals(self) -> dict[str, float]:
        """Recipient → when the provider first got an SMS for it."""
        seen: dict[str, float] = {}
        for request in list(self.provider.requests):
            seen.setdefault(request["form"].get("to", ""), request["at"])
        return seen

    def down(self) -> None:
        for worker in self.workers:
            with contextlib.suppress(Exception):
                worker.stop()
        if self.app is not None:
            self.runtime.database.dispose()
        self.provider.stop()
        self.redis.destroy()
        self.pg.destroy()


class Load:
    """An OTP and a receipt every ``period`` seconds, each to a number of its own."""

    def __init__(self, stack: Stack, period: float = 0.2) -> None:
        self.stack, self.period = stack, period
        self.created: dict[str, tuple[float, float]] = {}  # OTP number → (created, expires)
        self.serial = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.errors: list[str] = []

    def _number(self) -> str:
        self.serial += 1
        return f"+24205{self.serial:07d}"

    def otp(self, ttl: float) -> str:
        to = self._number()
        expires = app_clock.now() + timedelta(seconds=ttl)
        with transaction(self.stack.runtime) as session:
            send_sms(
                session,
                to=to,
                template="sms.otp.withdrawal",
                language="fr",
                params={"amount": "5 000 FCFA", "minutes": 2},
                secret=f"{self.serial:06d}",
                purpose="otp",
                expires_at=expires,
            )
        self.created[to] = (time.time(), expires.timestamp())
        return to

    def receipt(self) -> None:
        with transaction(self.stack.runtime) as session:
            send_sms(
                session,
                to=self._number(),
                template="sms.welcome",
                language="fr",
                params={"first_name": "Awa"},
                purpose="receipt",
            )

    def _run(self) -> None:
        while not self.stop.wait(self.period):
            try:
                self.otp(ttl=120)
                self.receipt()
            except Exception as exc:  # a dead test server: recorded, the load goes on
                self.errors.append(repr(exc)[:200])

    def start(self) -> Load:
        self.thread.start()
        return self

    def finish(self) -> None:
        self.stop.set()
        self.thread.join(30)


def backlog(stack: Stack, count: int) -> None:
    with transaction(stack.runtime) as session:
        for n in range(count):
            send_sms(
                session,
                to=f"+24204{n:07d}",
                template="sms.welcome",
                language="fr",
                params={"first_name": "Awa"},
                purpose="receipt",
            )


def sweep_waits(stack: Stack) -> list[float]:
    """How long each sweep run so far waited in its queue, in seconds."""
    queue = stack.runtime.queue.rq_queue(SWEEPS)
    waits = []
    for job_id in queue.finished_job_registry.get_job_ids():
        job = Job.fetch(job_id, connection=queue.connection)
        waits.append((job.started_at - job.enqueued_at).total_seconds())
    return waits


def test_codes_committed_during_a_redis_outage_go_out_within_seconds_of_its_return(stack):
    # 1. A backlog is waiting when the workers start; the sweeps do not wait behind it.
    backlog(stack, BACKLOG)
    stack.start_workers()
    wait_until(lambda: len(sweep_waits(stack)) >= 5, 60, "the first sweeps to run")
    in_backlog = sum(1 for to in stack.arrivals() if to.startswith("+24204"))
    assert in_backlog < BACKLOG, "the backlog was gone before the sweeps ran: nothing proven"
    assert max(sweep_waits(stack)) < 3, sweep_waits(stack)
    wait_until(lambda: len(stack.arrivals()) >= BACKLOG, 120, "the backlog to be sent")

    # 2. Load, then Redis killed for 10 s while the load goes on.
    load = Load(stack).start()
    time.sleep(2)
    stack.redis.kill()
    killed_at = time.time()
    doomed = [load.otp(ttl=3) for _ in range(3)]  # dead before Redis returns
    time.sleep(OUTAGE_SECONDS - (time.time() - killed_at))
    stack.redis.start()
    back_at = time.time()
    time.sleep(2)
    load.finish()

    during = {
        to: expires
        for to, (created, expires) in load.created.items()
        if killed_at <= created < back_at and to not in doomed
    }
    valid = [to for to, expires in during.items() if expires > back_at]
    assert len(valid) >= 20, f"only {len(valid)} OTPs during the outage: the load did not run"

    def all_valid_sent() -> bool:
        return all(to in stack.arrivals() for to in valid)

    with contextlib.suppress(TimeoutError):
        wait_until(all_valid_sent, RETURN_GOAL_SECONDS + 20, "the outage's OTPs to be sent")
    arrivals = stack.arrivals()
    late = {to: arrivals.get(to, float("inf")) - back_at for to in valid}
    too_late = {to: round(s, 1) for to, s in late.items() if s > RETURN_GOAL_SECONDS}
    assert not too_late, f"sent more than 10 s after Redis returned: {too_late}\n{stack.logs()}"

    # The codes that died during the outage never reach a phone; they are marked.
    assert not [to for to in doomed if to in arrivals]
    with transaction(stack.runtime) as session:
        for to in doomed:
            message = session.query(SmsMessage).filter_by(to_msisdn=to).one()
            assert (message.status, message.failure_reason) == (
                "failed",
                "expired before it could be sent",
            )

    # 3. No worker ever exited.
    assert all(worker.alive() for worker in stack.workers), stack.logs()
    assert not load.errors, load.errors
