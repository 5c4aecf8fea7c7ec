"""Background jobs: jobs/s and SMS/s per worker, and how long an OTP takes to leave.

Everything is the bench's own: a ``redis-server`` on a free port (no
persistence), a throw-away PostgreSQL database (SQLite with ``--backend
sqlite``, one worker only), a local fake Africa's Talking reached through the
real ``africastalking`` SDK, and ``python -m workers`` processes whose SMS
gateway points at that fake (nothing else differs from production).

1. Throughput: ``--messages`` SMS (one OTP for two receipts, as a P2P sends)
   are committed while no worker runs; then W workers start in burst mode.
   jobs/s = messages / (last provider request - first), per worker = / W.
2. Delay under load: W workers listen while a producer commits P2P-like SMS
   (OTP, receipt, receipt) at ``--rate`` P2P/s for ``--seconds``; an OTP's
   delay runs from its commit to its arrival at the provider: p50 and p99.

3. Under the HTTP bench's load: gunicorn and ``--clients`` client threads
   paying P2P as ``bench.p2p_http`` does (its ``drive``) for ``--seconds``,
   W workers listening. Prints the P2P/s reached, the SMS/s made and sent, the
   jobs/s done while the load ran, the OTP delay from its row's ``created_at``
   (in the request that placed the payment) to its arrival at the provider
   (p50/p99, matched by the provider's message id), the rq queues left when the
   load stopped, and how long after it the last SMS went out.

``--provider-latency`` (ms) makes the fake answer as slowly as a provider far
away does. Workers log at production's level (INFO; ``BENCH_WORKER_LOG_LEVEL``).
The bench runs from any checkout (``--root``) whose workers are
``python -m workers``: the same file measures before and after a change (the
web tier of the HTTP measure is the bench's own checkout).

    python -m bench.jobs [--workers 1,2,4] [--messages 900] [--rate 10] [--seconds 20]
                         [--skip throughput,delay,http] [--clients 8]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from app.config import BASE_DIR
from bench.ussd import (
    PIN_PEPPERS,
    SECRET,
    percentile,
    postgres_answers,
    postgres_database,
    sqlite_database,
)

GOAL_OTP_P99_S = 5.0

# ``python -m workers`` with the SMS gateway pointed at the bench's fake provider.
WORKER = """
import os, sys
import workers.__main__ as worker_main
from app import create_app
from app.notify.gateways import SERVICE_NAME, AfricasTalkingGateway

def build():
    app = create_app()
    gateway = AfricasTalkingGateway("bench", "bench-key", base_url=os.environ["BENCH_SMS_URL"])
    app.extensions["postcash"].services[SERVICE_NAME] = gateway
    return app

worker_main.create_app = build
sys.exit(worker_main.main(sys.argv[1:]))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- The fake provider ----------------------------------------------------------------


class Provider:
    """Answers like Africa's Talking; remembers when each recipient's SMS arrived."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.arrivals: dict[str, float] = {}
        # by the message id it answers with: one number gets several SMS under HTTP load
        self.by_id: dict[str, float] = {}
        self.serial = 0
        self.lock = threading.Lock()
        provider = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                arrived = time.time()
                if provider.latency:
                    time.sleep(provider.latency)
                numbers = form.get("to", "").split(",")
                ids = []
                with provider.lock:
                    for number in numbers:
                        provider.arrivals.setdefault(number, arrived)
                        provider.serial += 1
                        ids.append(f"ATXid_{provider.serial}")
                        provider.by_id[ids[-1]] = arrived
                body = json.dumps(
                    {
                        "SMSMessageData": {
                            "Message": f"Sent to {len(numbers)}/{len(numbers)}",
                            "Recipients": [
                                {
                                    "statusCode": 101,
                                    "number": number,
                                    "status": "Success",
                                    "cost": "XAF 25.0000",
                                    "messageId": message_id,
                                }
                                for number, message_id in zip(numbers, ids, strict=True)
                            ],
                        }
                    }
                ).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/version1"

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def count_ids(self) -> int:
        with self.lock:
            return len(self.by_id)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- Redis and workers ------------------------------------------------------------------


@contextmanager
def private_redis() -> Iterator[str]:
    """A redis-server of the bench's own, on a free port: never the shared one."""
    port = free_port()
    root = tempfile.mkdtemp(prefix="bench-jobs-redis-")
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    process = subprocess.Popen(
        [*command, "--appendonly", "no", "--dir", root],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from redis import Redis

        client = Redis(port=port, socket_connect_timeout=1)
        for _ in range(100):
            try:
                client.ping()
                break
            except Exception:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def start_workers(count: int, env: dict[str, str], root: Path, burst: bool) -> list[Any]:
    args = ["--no-sweeps"] + (["--burst"] if burst else [])
    return [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, *args],
            env=env,
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]


def listening(redis: str, count: int, timeout: float) -> None:
    """Wait until ``count`` rq workers have registered (they are taking jobs)."""
    from redis import Redis
    from rq import Worker

    connection = Redis.from_url(redis)
    wait_for(lambda: Worker.count(connection=connection) >= count, timeout)
    connection.close()


def stop_workers(processes: list[Any]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


# --- The producer -----------------------------------------------------------------------


class Producer:
    """Commits SMS the way the application does (``send_sms`` in a transaction)."""

    def __init__(self, url: str, redis: str) -> None:
        from app import create_app
        from app.config import Config

        self.app = create_app(
            Config(
                APP_ENV="staging",
                SECRET_KEY=SECRET,
                DATABASE_URL=url,
                REDIS_URL=redis,
                SMS_BACKEND="console",
                LOG_JSON=False,
                TESTING=True,
            )
        )
        self.runtime = self.app.extensions["postcash"]
        self.created: dict[str, float] = {}
        self.otps: list[str] = []
        self.serial = 0

    def one(self, kind: str) -> None:
        """One SMS in its own transaction: ``otp`` or ``receipt``, to a number of its own."""
        from app.clock import clock
        from app.db import transaction
        from app.notify import send_sms

        self.serial += 1
        to = f"+24206{self.serial:07d}"
        with transaction(self.runtime) as session:
            if kind == "otp":
                send_sms(
                    session,
                    to=to,
                    template="sms.otp.withdrawal",
                    language="fr",
                    params={"amount": "5 000 FCFA", "minutes": 15},
                    secret=f"{self.serial % 1_000_000:06d}",
                    purpose="otp",
                    expires_at=clock.now() + timedelta(minutes=15),
                )
            else:
                send_sms(
                    session,
                    to=to,
                    template="sms.welcome",
                    language="fr",
                    params={"first_name": "Awa"},
                    purpose="receipt",
                )
        self.created[to] = time.time()
        if kind == "otp":
            self.otps.append(to)

    def p2p(self) -> None:
        """What one P2P sends: its OTP, then the two receipts."""
        for kind in ("otp", "receipt", "receipt"):
            self.one(kind)

    def dispose(self) -> None:
        self.runtime.database.dispose()


# --- The two measures -------------------------------------------------------------------


def environment(url: str, redis: str, provider: Provider, root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "PYTEST"))}
    env.update(
        {
            "APP_ENV": "staging",
            "SECRET_KEY": SECRET,
            "PIN_PEPPERS": json.dumps(PIN_PEPPERS),
            "DATABASE_URL": url,
            "REDIS_URL": redis,
            "BENCH_SMS_URL": provider.base_url,
            "SMS_BACKEND": "console",
            # production's level: every job's log lines are part of its cost
            "LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG_LEVEL", "INFO"),
            "RATELIMIT_ENABLED": "0",
            "PYTHONPATH": str(root),
        }
    )
    return env


def throughput(url: str, redis: str, workers: int, args: argparse.Namespace) -> dict[str, float]:
    provider = Provider(args.provider_latency / 1000)
    producer = Producer(url, redis)
    try:
        for _ in range(args.messages // 3):
            producer.p2p()
        expected = len(producer.created)
        processes = start_workers(
            workers, environment(url, redis, provider, args.root), args.root, burst=True
        )
        done = wait_for(lambda: provider.count() >= expected, args.timeout)
        stop_workers(processes)
        arrivals = sorted(provider.arrivals.values())
        seconds = max(arrivals[-1] - arrivals[0], 1e-6) if arrivals else float("nan")
        rate = len(arrivals) / seconds
        return {
            "jobs_s": rate,
            "per_worker": rate / workers,
            "sent": len(arrivals),
            "expected": expected,
            "complete": float(done),
        }
    finally:
        producer.dispose()
        provider.stop()


def delay(url: str, redis: str, workers: int, args: argparse.Namespace) -> dict[str, float]:
    provider = Provider(args.provider_latency / 1000)
    producer = Producer(url, redis)
    env = environment(url, redis, provider, args.root)
    processes = start_workers(workers, env, args.root, burst=False)
    try:
        listening(redis, workers, args.timeout)  # each starts an application first
        started = time.monotonic()
        total = int(args.rate * args.seconds)
        for n in range(total):
            wait = started + n / args.rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            producer.p2p()
        produced_in = time.monotonic() - started
        expected = len(producer.created)
        wait_for(lambda: provider.count() >= expected, args.timeout)
        drained_in = time.monotonic() - started
        delays = [
            provider.arrivals[to] - producer.created[to]
            for to in producer.otps
            if to in provider.arrivals
        ]
        return {
            "p2p_s": total / produced_in,
            "sms_s": expected / produced_in,
            "p50": percentile(delays, 0.5),
            "p99": percentile(delays, 0.99),
            "sent": provider.count(),
            "expected": expected,
            "drained_in": drained_in,
            "produced_in": produced_in,
        }
    finally:
        stop_workers(processes)
        producer.dispose()
        provider.stop()


def under_http(url: str, redis: str, workers: int, args: argparse.Namespace) -> dict[str, Any]:
    """The jobs of real P2P traffic: gunicorn and ``--clients`` client threads as
    ``bench.p2p_http`` runs them for ``--seconds``, W workers sending to the fake
    provider; an OTP's delay runs from its row's ``created_at`` (inside the
    request that placed the payment) to its arrival at the provider."""
    from bench.p2p_http import _otp_reader, drive
    from bench.ussd import gunicorn, populate

    senders, recipients = populate(url, args.clients, args.clients, strong=False)
    read_otp = _otp_reader(url)
    provider = Provider(args.provider_latency / 1000)
    processes = start_workers(
        workers, environment(url, redis, provider, args.root), args.root, False
    )
    try:
        listening(redis, workers, args.timeout)
        with gunicorn(url, redis, args.web_workers, args.threads) as (port, served_by):
            began = time.time()
            samples, elapsed = drive(port, senders, recipients, read_otp, seconds=args.seconds)
            ended = time.time()
            load = os.getloadavg()
            # before gunicorn's graceful stop, which takes seconds of its own
            backlog = queue_lengths(redis)
            expected = sms_rows(url)
        drained = wait_for(lambda: provider.count_ids() >= expected, args.timeout)
        drained_in = time.time() - ended
        # the requests still in flight when the clock stopped finish after ``ended``
        rows, done_at = sms_and_jobs(url)
    finally:
        stop_workers(processes)
        provider.stop()
    otp_delays = [
        provider.by_id[mid] - created
        for mid, purpose, created in rows
        if purpose == "otp" and mid in provider.by_id
    ]
    window = ended - began
    in_window = [t for t in done_at if began <= t <= ended]
    sent_in_window = [t for t in provider.by_id.values() if began <= t <= ended]
    created_in_window = [c for _, _, c in rows if began <= c <= ended]
    return {
        "served_by": served_by,
        "p2p_s": len(samples["transfer"]) / elapsed,
        "transfer_p99_ms": percentile(samples["transfer"], 0.99),
        "sms_made_s": len(created_in_window) / window,
        "sms_sent_s": len(sent_in_window) / window,
        "jobs_s": len(in_window) / window,
        "otps": len(otp_delays),
        "p50": percentile(otp_delays, 0.5),
        "p99": percentile(otp_delays, 0.99),
        "backlog": backlog,
        "drained": drained,
        "drained_in": drained_in,
        "expected": expected,
        "sent": provider.count_ids(),
        "load": load,
        "seconds": window,
    }


def queue_lengths(redis: str) -> dict[str, int]:
    """Jobs waiting in each rq queue (``app/db/queue.py``'s names, no namespace)."""
    from redis import Redis

    from app.db.queue import PRIORITY

    connection = Redis.from_url(redis)
    try:
        return {name: int(connection.llen(f"rq:queue:{name}")) for name in PRIORITY}
    finally:
        connection.close()


def _engine(url: str) -> Any:
    from sqlalchemy import create_engine

    return create_engine(url)


def sms_rows(url: str) -> int:
    """SMS the workers have to send (the bench's customers' welcome texts were sent
    in-process while they were registered)."""
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            query = "SELECT count(*) FROM sms_messages WHERE provider_message_id IS NULL"
            query += " OR provider_message_id NOT LIKE 'console-%'"
            return int(conn.execute(text(query)).scalar_one())
    finally:
        engine.dispose()


def sms_and_jobs(url: str) -> tuple[list[tuple[str, str, float]], list[float]]:
    """``(provider id, purpose, created_at)`` of every SMS sent, and when each job was done."""
    from sqlalchemy import text

    engine = _engine(url)
    try:
        with engine.connect() as conn:
            rows = [
                (mid, purpose, created.timestamp())
                for mid, purpose, created in conn.execute(
                    text(
                        "SELECT provider_message_id, purpose, created_at FROM sms_messages"
                        " WHERE provider_message_id IS NOT NULL"
                    )
                )
            ]
            done = [
                at.timestamp()
                for (at,) in conn.execute(
                    text("SELECT done_at FROM job_outbox WHERE done_at IS NOT NULL")
                )
            ]
        return rows, done
    finally:
        engine.dispose()


def print_http(workers: int, h: dict[str, Any]) -> None:
    verdict = "ok" if h["p99"] < GOAL_OTP_P99_S else "over"
    waiting = ", ".join(f"{name} {n}" for name, n in h["backlog"].items())
    one, five, _ = h["load"]
    print(
        f"{workers} worker(s) under HTTP load (gunicorn {h['served_by']}, {h['seconds']:.0f} s, "
        f"load average {one:.1f}/{five:.1f}): {h['p2p_s']:.1f} P2P/s "
        f"(transfer p99 {h['transfer_p99_ms']:.0f} ms), {h['sms_made_s']:.1f} SMS/s made, "
        f"{h['sms_sent_s']:.1f} SMS/s sent, {h['jobs_s']:.1f} jobs/s "
        f"({h['jobs_s'] / workers:.1f} per worker)"
    )
    kept_up = "kept up" if h["drained_in"] < GOAL_OTP_P99_S else "fell behind"
    print(
        f"    OTP creation→provider ({h['otps']} codes): p50 {h['p50']:.2f} s, "
        f"p99 {h['p99']:.2f} s ({verdict}, goal < {GOAL_OTP_P99_S:.0f} s); queues at the end "
        f"of the load: {waiting}; all {h['expected']} SMS sent {h['drained_in']:.1f} s after "
        f"it ({kept_up})" + ("" if h["drained"] else f"  !! only {h['sent']} sent")
    )


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    database = sqlite_database if backend == "sqlite" else postgres_database
    with database() as url:
        yield url


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="postgresql")
    parser.add_argument("--workers", default="1,2", help="worker counts to measure, e.g. 1,2,4")
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--rate", type=float, default=10.0, help="P2P per second (3 SMS each)")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--provider-latency", type=float, default=0.0, help="ms per request")
    parser.add_argument("--timeout", type=float, default=180.0)
    parser.add_argument("--root", type=Path, default=BASE_DIR, help="the checkout to run")
    parser.add_argument(
        "--skip", default="", help="measures to leave out, comma-separated: throughput,delay,http"
    )
    parser.add_argument("--clients", type=int, default=8, help="HTTP clients (the http measure)")
    parser.add_argument("--web-workers", type=int, default=None, help="gunicorn.conf.py's if unset")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn.conf.py's if unset")
    args = parser.parse_args(argv if argv is not None else [])
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    if shutil.which("redis-server") is None:
        print("bench.jobs: redis-server is not installed: skipped")
        return
    if args.backend == "postgresql" and not postgres_answers():
        print("bench.jobs: PostgreSQL does not answer: skipped")
        return
    counts = [int(n) for n in args.workers.split(",")]
    if args.backend == "sqlite":
        counts = [1]  # one writer at a time: more workers only wait on the file lock
    print(
        f"\nJobs — {args.backend}, fake provider +{args.provider_latency:.0f} ms, "
        f"code at {args.root}"
    )
    for workers in counts:
        if "throughput" not in skip:
            with fresh_database(args.backend) as url, private_redis() as redis:
                t = throughput(url, redis, workers, args)
            print(
                f"{workers} worker(s), backlog of {t['expected']:.0f} SMS: "
                f"{t['jobs_s']:.1f} jobs/s = SMS/s ({t['per_worker']:.1f} per worker)"
                + ("" if t["complete"] else f"  !! only {t['sent']:.0f} sent")
            )
        if "delay" not in skip:
            with fresh_database(args.backend) as url, private_redis() as redis:
                d = delay(url, redis, workers, args)
            verdict = "ok" if d["p99"] < GOAL_OTP_P99_S else "over"
            print(
                f"{workers} worker(s), load {d['p2p_s']:.1f} P2P/s = {d['sms_s']:.1f} SMS/s "
                f"for {d['produced_in']:.0f} s: OTP creation→provider p50 {d['p50']:.2f} s, "
                f"p99 {d['p99']:.2f} s ({verdict}, goal < {GOAL_OTP_P99_S:.0f} s); "
                f"all sent after {d['drained_in']:.1f} s"
                + ("" if d["sent"] >= d["expected"] else f"  !! {d['sent']:.0f} sent")
            )
        if "http" not in skip:
            with fresh_database(args.backend) as url, private_redis() as redis:
                h = under_http(url, redis, workers, args)
            print_http(workers, h)


if __name__ == "__main__":
    main(sys.argv[1:])
