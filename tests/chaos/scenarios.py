"""The chaos scenarios: a real stack, a load of mixed operations, a fault, and the proof.

Stack: a throw-away PostgreSQL cluster and Redis server of the run's own, the
fake SMS provider, gunicorn (2 workers of 4 threads) and two rq workers.

* ``kill``: SIGKILL a gunicorn worker (twice) and the rq worker during the load;
  gunicorn's master replaces its workers, the rq worker is started again.
* ``redis``: SIGKILL Redis (no persistence: its queues are lost) during the
  load, start it again some seconds later.
* ``postgres``: restart PostgreSQL in ``immediate`` mode (every connection cut,
  crash recovery) during the load, twice.

Then the run settles as production would: the rq worker's abandoned jobs are
retried (rq's detection is fast-forwarded rather than waited for), the outbox
is drained (``flask jobs drain``; its one-minute guard fast-forwarded, as the
load is over and no dispatch is on its way), the expiry sweeps run once the
short confirmation windows (``CHAOS_TTL``) have passed. And ``verify`` proves:
every flow finished, no 500, every keyed request replays its first answer
unchanged, every wallet holds exactly what the answers said, no SMS was sent
twice and none is left unsent, every job is done, no hold outlived its expiry,
and ``flask ledger check`` and ``flask reconcile`` pass.
"""

from __future__ import annotations

import contextlib
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from app import ledger
from app.clock import FrozenClock, SystemClock, clock
from app.config import Config
from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.chaos.harness import (
    PIN_PEPPERS,
    SECRET_KEY,
    Gunicorn,
    PostgresCluster,
    RedisServer,
    RqWorker,
    app_environment,
    migrate,
    run_flask,
    tail,
    wait_until,
)
from tests.chaos.load import Cast, Client, Load, Sms
from tests.fake_africastalking import FakeProvider

TTL = 40  # seconds: OTP and withdrawal windows of the chaos application
RQ_WORKERS = 2
INITIAL_BALANCE = 200_000


@dataclass
class Report:
    scenario: str
    flows: int
    concurrency: int
    faults: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # known limits, reported, not failures

    @property
    def ok(self) -> bool:
        return not self.findings

    def text(self) -> str:
        lines = [
            f"== chaos {self.scenario}: {'PASS' if self.ok else 'FAIL'}",
            f"   load: {self.flows} flows of mixed operations, "
            f"{self.concurrency} concurrent clients",
        ]
        lines += [f"   fault: {fault}" for fault in self.faults]
        answers = ", ".join(f"{k} x{v}" for k, v in sorted(self.statuses.items()))
        lines.append(f"   answers and failed attempts: {answers}")
        lines += [f"   {name}: {value}" for name, value in self.figures.items()]
        lines += [f"   NOTE: {note}" for note in self.notes]
        lines += [f"   FINDING: {finding}" for finding in self.findings[:40]]
        if len(self.findings) > 40:
            lines.append(f"   … and {len(self.findings) - 40} more findings")
        return "\n".join(lines)


class Stack:
    def __init__(self, customers: int = 24, agents: int = 3) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="postcash-chaos-"))
        self.n_customers, self.n_agents = customers, agents
        self.pg = PostgresCluster()
        self.redis = RedisServer()
        self.provider = FakeProvider()
        self.web: Gunicorn | None = None
        self.workers: list[RqWorker] = []
        self.app: Flask | None = None
        self.cast: Cast | None = None
        self.database_url = ""
        self.env: dict[str, str] = {}
        self.rq_restarts = 0
        self.workers_started = 0

    def up(self) -> Stack:
        self.pg.init()
        self.database_url = self.pg.create_database("postcash_chaos")
        migrate(self.database_url)
        self.redis.start()
        self.provider.start()
        self.env = app_environment(
            self.database_url, self.redis.url, self.provider.base_url, CHAOS_TTL=str(TTL)
        )
        self.app = self._operator_app()
        self.cast = self._seed()
        self.web = Gunicorn(self.env, self.workdir / "gunicorn.log")
        self.web.start_and_wait()
        for _ in range(RQ_WORKERS):
            self.start_worker()
        return self

    def _operator_app(self) -> Flask:
        """The application as an operator's shell sees it: same database, Redis and SMS."""
        from app import create_app
        from app.notify.gateways import SERVICE_NAME, AfricasTalkingGateway

        config = Config.from_env(
            APP_ENV="staging",
            SECRET_KEY=SECRET_KEY,
            PIN_PEPPERS=PIN_PEPPERS,
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis.url,
            SMS_BACKEND="console",
            LOG_JSON=False,
            LOG_LEVEL="WARNING",
            RATELIMIT_ENABLED=False,
        )
        application = create_app(config)
        gateway = AfricasTalkingGateway("postcash-chaos", "k", base_url=self.provider.base_url)
        application.extensions["postcash"].services[SERVICE_NAME] = gateway
        return application

    def _seed(self) -> Cast:
        from app.seed import seed

        assert self.app is not None
        runtime = self.app.extensions["postcash"]
        with transaction(runtime) as session:
            seed(session, demo=False)
        customers, agents = [], []
        with transaction(runtime) as session:
            people = [
                factories.customer(session, balance=INITIAL_BALANCE, tier="full")
                for _ in range(self.n_customers)
            ]
            staff = [
                factories.agent(session, float_balance=5_000_000) for _ in range(self.n_agents)
            ]
        for person in people:
            headers = factories.headers_for(self.app, person)
            customers.append({"id": person.id, "msisdn": person.msisdn, "headers": headers})
        for agent in staff:
            agents.append({"id": agent.id, "headers": factories.headers_for(self.app, agent)})
        return Cast(customers, agents)

    def start_worker(self) -> RqWorker:
        self.workers_started += 1  # each its own log, a replacement's too
        worker = RqWorker(self.env, self.workdir / f"worker-{self.workers_started}.log")
        worker.start()
        self.workers.append(worker)
        return worker

    def ensure_workers(self) -> None:
        """What a process supervisor does: a worker that exited is started again."""
        for worker in [w for w in self.workers if not w.alive()]:
            self.workers.remove(worker)
            self.rq_restarts += 1
            self.start_worker()

    def down(self) -> None:
        for process in [*self.workers, self.web]:
            if process is not None:
                with contextlib.suppress(Exception):
                    process.stop()
        if self.app is not None:
            self.app.extensions["postcash"].database.dispose()
        self.provider.stop()
        self.redis.destroy()
        self.pg.destroy()

    # --- settling -----------------------------------------------------------------

    def drain_now(self) -> int:
        """``flask jobs drain`` now: the load is over, no dispatch is on its way."""
        from workers.outbox import DRAIN_AFTER, drain

        assert self.app is not None
        with self.app.app_context():
            clock.use(FrozenClock(SystemClock().now() + DRAIN_AFTER + timedelta(seconds=1)))
            try:
                return drain(self.app.extensions["postcash"])
            finally:
                clock.use(SystemClock())

    def retry_abandoned_rq_jobs(self) -> None:
        """rq retries the jobs of a dead worker once their heartbeat (~90 s) lapses and the
        retry's backoff (10 s) has passed, when a live scheduler next looks; now."""
        assert self.app is not None
        for queue in self.app.extensions["postcash"].queue.rq_queues():
            queue.started_job_registry.cleanup(timestamp=time.time() + 3600)
            scheduled = queue.scheduled_job_registry
            for job_id in scheduled.get_job_ids():
                with contextlib.suppress(Exception):  # a scheduler moved it meanwhile
                    scheduled.requeue(job_id)

    def unfinished_work(self) -> tuple[int, int]:
        from app.db.jobs import OutboxJob
        from app.notify.models import SmsMessage

        assert self.app is not None
        with transaction(self.app.extensions["postcash"]) as session:
            jobs = session.scalar(
                select(func.count())
                .select_from(OutboxJob)
                .where(OutboxJob.status.in_(("pending", "retrying")))
            )
            queued = session.scalar(
                select(func.count()).select_from(SmsMessage).where(SmsMessage.status == "queued")
            )
        return int(jobs or 0), int(queued or 0)

    def settle(self, rq_worker_died: bool) -> None:
        self.ensure_workers()
        if rq_worker_died:
            self.retry_abandoned_rq_jobs()
        self.drain_now()
        with contextlib.suppress(TimeoutError):
            wait_until(lambda: self.unfinished_work() == (0, 0), 90, "jobs and SMS", step=0.5)
        self.expire_holds()

    def expire_holds(self) -> None:
        """Wait out the confirmation windows, then run the expiry sweeps once."""
        from workers.remittances import expire_due
        from workers.transfers import expire_stale

        assert self.app is not None
        with transaction(self.app.extensions["postcash"]) as session:
            latest = session.scalar(
                select(func.max(ledger.Entry.expires_at)).where(ledger.Entry.status == "pending")
            )
        if latest is not None:
            wait = (latest - SystemClock().now()).total_seconds() + 1
            if wait > 0:
                time.sleep(wait)
        with self.app.app_context():
            expire_stale()
            expire_due()

    def whereabouts_of_unfinished_jobs(self) -> list[str]:
        """For each job not done: its row, what rq says of it, and the workers' log lines
        naming it (what a finding needs to be understood after the run is gone)."""
        from rq.job import Job

        from app.db.jobs import OutboxJob

        assert self.app is not None
        runtime = self.app.extensions["postcash"]
        with transaction(runtime) as session:
            rows = session.execute(
                select(OutboxJob.id, OutboxJob.name, OutboxJob.status, OutboxJob.attempts).where(
                    OutboxJob.status != "done"
                )
            ).all()
        lines = []
        for outbox_id, name, status, attempts in rows:
            job_id = runtime.queue.job_id(outbox_id)
            held: str
            try:
                held = str(Job.fetch(job_id, connection=runtime.queue.connection()).get_status())
            except Exception as exc:  # gone from Redis
                held = f"not in rq ({exc.__class__.__name__})"
            logged = [
                line
                for worker_log in sorted(self.workdir.glob("worker-*.log"))
                for line in worker_log.read_text(errors="replace").splitlines()
                if f"{job_id})" in line or f"({outbox_id})" in line
            ]
            lines.append(
                f"job {outbox_id} {name}: {status}, {attempts} attempt(s), rq: {held}; "
                f"worker log:\n" + "\n".join(logged[-12:])
            )
        return lines

    # --- the proof ----------------------------------------------------------------

    def verify(self, load: Load, client: Client, report: Report) -> None:
        from app.db.jobs import OutboxJob
        from app.notify.models import SmsMessage

        assert self.app is not None and self.cast is not None
        runtime = self.app.extensions["postcash"]
        outcomes = Counter(flow.outcome.split(":")[0] for flow in load.flows)
        report.figures["flows"] = dict(sorted(outcomes.items()))
        for flow in load.flows:
            if flow.outcome.split(":")[0] not in ("completed", "abandoned", "cancelled"):
                report.findings.append(f"flow {flow.number} ({flow.kind}) {flow.outcome}")
        report.statuses = client.statuses
        if client.statuses.get("500"):
            report.findings.append(f"{client.statuses['500']} answer(s) 500")
        calls = [c for flow in load.flows for c in flow.calls if c.key and c.status is not None]
        mismatches = []
        for call in calls:
            same, why = client.replay(call)
            if not same:
                mismatches.append(why)
        report.figures["keyed requests replayed identically"] = (
            f"{len(calls) - len(mismatches)}/{len(calls)}"
        )
        report.findings += [f"replay differs: {m}" for m in mismatches]
        report.figures["requests (with retries)"] = sum(client.statuses.values())

        expected = {c["id"]: INITIAL_BALANCE for c in self.cast.customers}
        for flow in load.flows:
            for customer_id, change in flow.effects.items():
                expected[customer_id] += change
        wrong = []
        with transaction(runtime) as session:
            for customer_id, amount in expected.items():
                balance = ledger.balance(session, chart.wallet(customer_id))
                if (balance.posted, balance.pending) != (amount, 0):
                    wrong.append(f"wallet {customer_id[:8]}: {balance} expected {amount}")
            sms_rows = int(session.scalar(select(func.count()).select_from(SmsMessage)) or 0)
            sms_by_status = dict(
                session.execute(
                    select(SmsMessage.status, func.count()).group_by(SmsMessage.status)
                ).all()
            )
            rows_twice = session.execute(
                select(SmsMessage.to_msisdn, SmsMessage.body, func.count())
                .group_by(SmsMessage.to_msisdn, SmsMessage.body)
                .having(func.count() > 1)
            ).all()
            jobs_by_status = dict(
                session.execute(
                    select(OutboxJob.status, func.count()).group_by(OutboxJob.status)
                ).all()
            )
            overdue = int(
                session.scalar(
                    select(func.count())
                    .select_from(ledger.Entry)
                    .where(ledger.Entry.status == "pending", ledger.Entry.expires_at <= clock.now())
                )
                or 0
            )
        report.figures["wallets matching the answers"] = (
            f"{len(expected) - len(wrong)}/{len(expected)}"
        )
        report.findings += wrong
        duplicates = Sms(self.provider).duplicates()
        report.figures["SMS"] = (
            f"{sms_rows} recorded {sms_by_status}, {len(self.provider.requests)} handed to the "
            f"provider, {len(duplicates)} sent twice"
        )
        twice = [f"SMS handed over {n} times to {to}: {text}" for to, text, n in duplicates]
        # A worker runs its jobs in its own process (SimpleWorker): killed with -9 between
        # the provider's acceptance and the "sent" commit, the one message it was sending
        # goes out again with the retry. At-least-once: at most that message per killed
        # worker, twice, is a note; anything more is a finding.
        killed_workers = sum(1 for fault in report.faults if fault.startswith("kill -9 rq worker"))
        in_flight = len(duplicates) <= killed_workers and all(n == 2 for _, _, n in duplicates)
        if report.scenario == "postgres":
            # The delivery job sends, then commits "sent": when the database dies in
            # between, the retry sends again. At-least-once, reported, not hidden.
            report.notes += [f"{t} (database lost after the provider took it)" for t in twice]
        elif in_flight:
            report.notes += [f"{t} (its worker was killed while sending it)" for t in twice]
        else:
            report.findings += twice
        report.findings += [
            f"{n} SMS recorded for one movement to {to}: {body[:60]}" for to, body, n in rows_twice
        ]
        if sms_by_status.get("queued"):
            report.findings.append(f"{sms_by_status['queued']} SMS never sent")
        report.figures["jobs"] = jobs_by_status
        unfinished = {k: v for k, v in jobs_by_status.items() if k != "done"}
        if unfinished:
            report.findings.append(f"jobs not done: {unfinished}")
            report.findings += self.whereabouts_of_unfinished_jobs()
        report.figures["holds past expiry after the sweeps"] = overdue
        if overdue:
            report.findings.append(f"{overdue} hold(s) left past expiry")
        for args in (("ledger", "check"), ("reconcile", "--date", _local_today())):
            result = run_flask(self.env, *args)
            label = "flask " + " ".join(args[:1])
            report.figures[label] = (
                "exit 0" if result.returncode == 0 else f"exit {result.returncode}"
            )
            if result.returncode != 0:
                report.findings.append(
                    f"{label} failed:\n{result.stdout[-1500:]}{result.stderr[-800:]}"
                )


def _local_today() -> str:
    from app.clock import local_today

    return local_today().isoformat()


def _watch(load: Load, at: float, timeout: float = 120) -> None:
    wait_until(lambda: load.progress() >= at, timeout, f"{at:.0%} of the load", step=0.05)


def run_scenario(name: str, flows: int, concurrency: int) -> Report:
    report = Report(name, flows, concurrency)
    stack = Stack()
    try:
        stack.up()
        assert stack.web is not None and stack.cast is not None
        client = Client(stack.web.base_url)
        load = Load(client, Sms(stack.provider), stack.cast, otp_ttl=TTL)
        load.plan(flows)
        runner = threading.Thread(target=load.run, args=(concurrency,), daemon=True)
        started = time.monotonic()
        runner.start()
        FAULTS[name](stack, load, report)
        runner.join(timeout=600)
        report.figures["load duration"] = f"{time.monotonic() - started:.1f} s"
        stack.settle(rq_worker_died=name == "kill")
        stack.verify(load, client, report)
        if stack.rq_restarts:
            report.figures["rq worker restarts by the supervisor"] = stack.rq_restarts
    except Exception as exc:
        report.findings.append(f"the run itself failed: {exc.__class__.__name__}: {exc}")
        if stack.web is not None:
            report.findings.append("gunicorn log tail:\n" + tail(stack.web.log))
        for worker in stack.workers:
            report.findings.append("worker log tail:\n" + tail(worker.log))
    finally:
        stack.down()
    return report


def _busy(load: Load, requests: int = 3, timeout: float = 3) -> None:
    """Wait for a moment when several requests are in flight (best effort)."""
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: load.client.in_flight >= requests, timeout, "requests", step=0.01)


def kill_faults(stack: Stack, load: Load, report: Report) -> None:
    assert stack.web is not None
    _watch(load, 0.25)
    _busy(load)
    pid = stack.web.kill_a_worker(0)
    report.faults.append(f"kill -9 gunicorn worker {pid} at {load.progress():.0%} of the load")
    _watch(load, 0.45)
    victim = stack.workers[0]  # mid-job most of the time: the SMS jobs keep two workers busy
    victim.kill()
    stack.workers.remove(victim)
    report.faults.append(
        f"kill -9 rq worker {victim.pid} (of {RQ_WORKERS}) at {load.progress():.0%}; "
        "a new one started 2 s later"
    )
    time.sleep(2)
    stack.start_worker()
    _watch(load, 0.65)
    _busy(load)
    pid = stack.web.kill_a_worker(1)
    report.faults.append(f"kill -9 gunicorn worker {pid} at {load.progress():.0%} of the load")


def redis_faults(stack: Stack, load: Load, report: Report) -> None:
    _watch(load, 0.2)
    stack.redis.kill()
    down_at, down_progress = time.monotonic(), load.progress()
    time.sleep(8)
    stack.redis.start()
    up_at = time.monotonic()
    report.faults.append(
        f"kill -9 Redis at {down_progress:.0%} of the load, started again {up_at - down_at:.0f} s "
        f"later (empty: no persistence)"
    )
    moved = [
        c
        for flow in load.flows
        for c in flow.calls
        if c.status in (200, 201)
        and c.answered_at is not None
        and down_at <= c.answered_at <= up_at
    ]
    report.figures["money-moving answers while Redis was down"] = len(moved)
    if not moved:
        report.findings.append("no payment went through while Redis was down")
    pending, _queued = stack.unfinished_work()
    report.figures["jobs waiting in the outbox when Redis came back"] = pending
    stack.ensure_workers()
    drained = 0
    while load.progress() < 1.0:
        drained += stack.drain_now()
        stack.ensure_workers()
        time.sleep(1)
    report.figures["jobs handed over by the drain"] = drained


def postgres_faults(stack: Stack, load: Load, report: Report) -> None:
    for at in (0.3, 0.6):
        _watch(load, at)
        started = time.monotonic()
        stack.pg.restart("immediate")
        report.faults.append(
            f"PostgreSQL restarted (immediate) at {load.progress():.0%} of the load, "
            f"back in {time.monotonic() - started:.1f} s"
        )


FAULTS = {"kill": kill_faults, "redis": redis_faults, "postgres": postgres_faults}
