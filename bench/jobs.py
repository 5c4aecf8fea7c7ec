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

``--provider-latency`` (ms) makes the fake answer as slowly as a provider far
away does. The bench runs from any checkout (``--root``) whose workers are
``python -m workers``: the same file measures before and after a change.

    python -m bench.jobs [--workers 1,2,4] [--messages 900] [--rate 10] [--seconds 20]
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
                with provider.lock:
                    for number in numbers:
                        provider.arrivals.setdefault(number, arrived)
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
                                    "messageId": f"ATXid_{number}",
                                }
                                for number in numbers
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
            "LOG_LEVEL": "ERROR",
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
    parser.add_argument("--skip", choices=("throughput", "delay"), default=None)
    args = parser.parse_args(argv if argv is not None else [])
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
        if args.skip != "throughput":
            with fresh_database(args.backend) as url, private_redis() as redis:
                t = throughput(url, redis, workers, args)
            print(
                f"{workers} worker(s), backlog of {t['expected']:.0f} SMS: "
                f"{t['jobs_s']:.1f} jobs/s = SMS/s ({t['per_worker']:.1f} per worker)"
                + ("" if t["complete"] else f"  !! only {t['sent']:.0f} sent")
            )
        if args.skip != "delay":
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


if __name__ == "__main__":
    main(sys.argv[1:])
