"""End-to-end P2P over HTTP: create + confirm under gunicorn.

A throw-away database is migrated and filled with funded senders; gunicorn
serves the app (the project's gunicorn.conf.py: its workers and threads unless
``--workers``/``--threads`` say otherwise); client threads on
the same machine each sign in once, then loop: ``POST /transfers`` (with an
Idempotency-Key) and ``POST /transfers/{id}/confirm`` with the OTP. The client
plays the customer's phone: it reads the OTP the way the handset would see it,
by recomputing the HOTP from the database with the app's own key (the bench
shares the app's SECRET_KEY), which costs the client, not the server.

Prints transfers/s (a transfer = create + confirm), p50/p99 of each call and
the statements each call sends (``bench.statements``: counted in-process on the
same database with the server's settings), then a line per goal of issue 21
(>= 150 transfers/s, p99 of a transfer < 150 ms) with "goal met". SMS receipts
go to rq on the bench's Redis database when Redis answers (as in production),
else run in-process after commit. Last, the CPU one transfer costs in gunicorn,
in PostgreSQL's backends and in the client (``bench.cpu``, from /proc), and the
rate those figures allow at best on this machine's cores.

    python -m bench.p2p_http [--backend sqlite|postgresql|both] [--transfers 400]
                             [--clients 8] [--workers N] [--threads N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable

import pyotp

from bench import statements
from bench.cpu import CpuMeter, client_url, summary
from bench.ussd import (
    SECRET,
    goal_line,
    gunicorn,
    job_queue,
    percentile,
    populate,
    postgres_answers,
    postgres_database,
    redis_answers,
    sqlite_database,
)

PIN = "2580"
GOAL_RATE = 150.0  # transfers/s (issue 21)
GOAL_P99_MS = 150.0  # one transfer, create + confirm


def _call(conn: http.client.HTTPConnection, path: str, body: dict, headers: dict) -> dict:
    conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json", **headers})
    response = conn.getresponse()
    payload = json.loads(response.read() or b"{}")
    if response.status >= 300:
        raise RuntimeError(f"{path} → {response.status} {payload.get('code')}")
    return payload


def _otp_reader(url: str):  # type: ignore[no-untyped-def]
    """A function transfer_id → the 6-digit code the sender's phone received."""
    from app import create_app
    from app.config import Config
    from app.otp.models import Challenge
    from app.otp.service import DIGITS, _seed
    from app.transfers.models import Transfer

    app = create_app(
        Config(
            APP_ENV="staging",
            SECRET_KEY=SECRET,
            DATABASE_URL=client_url(url),
            SMS_BACKEND="console",
            LOG_JSON=False,
            TESTING=True,
        )
    )
    runtime = app.extensions["postcash"]

    def read(transfer_id: str) -> str:
        with runtime.unit_of_work() as uow:
            transfer = uow.session.get(Transfer, transfer_id)
            challenge = uow.session.get(Challenge, transfer.challenge_id)
            return pyotp.HOTP(_seed(uow.session, challenge.subject_id), digits=DIGITS).at(
                challenge.counter
            )

    return read


def pay(
    port: int,
    sender: str,
    recipient: str,
    read_otp: Callable[[str], str],
    samples: dict[str, list[float]],
    lock: threading.Lock,
    count: int | None = None,
    stop: threading.Event | None = None,
) -> None:
    """One client: signs in once, then create + confirm, ``count`` times or until ``stop``."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    token = _call(conn, "/api/v1/auth/login", {"msisdn": sender, "pin": PIN}, {})["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    done_count = 0
    while (count is None or done_count < count) and not (stop is not None and stop.is_set()):
        started = time.perf_counter()
        created = _call(
            conn,
            "/api/v1/transfers",
            {"type": "p2p", "to": recipient, "amount": 100},
            {**auth, "Idempotency-Key": uuid.uuid4().hex},
        )
        middle = time.perf_counter()
        code = read_otp(created["id"])
        resumed = time.perf_counter()
        _call(conn, f"/api/v1/transfers/{created['id']}/confirm", {"otp": code}, auth)
        done = time.perf_counter()
        done_count += 1
        with lock:
            samples["create"].append((middle - started) * 1000)
            samples["confirm"].append((done - resumed) * 1000)
            samples["transfer"].append((middle - started + done - resumed) * 1000)


def drive(
    port: int,
    senders: list[str],
    recipients: list[str],
    read_otp: Callable[[str], str],
    per_client: int | None = None,
    seconds: float | None = None,
) -> tuple[dict[str, list[float]], float]:
    """One client thread per sender (paying the recipient of the same rank), each
    making ``per_client`` transfers or as many as it can for ``seconds``: the
    samples of each call (ms) and the elapsed time (s)."""
    samples: dict[str, list[float]] = defaultdict(list)
    lock = threading.Lock()
    stop = threading.Event() if seconds is not None else None
    threads = [
        threading.Thread(
            target=pay,
            args=(port, sender, recipients[i], read_otp, samples, lock, per_client, stop),
        )
        for i, sender in enumerate(senders)
    ]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    if stop is not None and seconds is not None:
        time.sleep(seconds)
        stop.set()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - began


def run(backend: str, args: argparse.Namespace) -> None:
    transfers, clients = args.transfers, args.clients
    database = sqlite_database() if backend == "sqlite" else postgres_database()
    with database as url:
        # one sender more than clients: the statement count plays it alone
        senders, recipients = populate(url, clients + 1, clients + 1, strong=False)
        read_otp = _otp_reader(url)
        kind = "rq" if redis_answers() else "inprocess"
        with (
            job_queue(kind) as redis,
            gunicorn(url, redis, args.workers, args.threads) as (
                port,
                served_by,
            ),
        ):
            meter = CpuMeter(url)
            before = meter.snapshot()
            samples, elapsed = drive(
                port,
                senders[:clients],
                recipients,
                read_otp,
                per_client=max(1, transfers // clients),
            )
            cpu = CpuMeter.split(before, meter.snapshot())
            meter.close()
            load = os.getloadavg()[0]
            counts = statements.p2p(url, redis, senders[-1], recipients[-1], PIN)
    count = len(samples["transfer"])
    rate = count / elapsed
    print(
        f"\nP2P over HTTP — {backend}, gunicorn {served_by}, {clients} clients, jobs {kind}, "
        f"load average {load:.1f} on {os.cpu_count()} cores"
    )
    print(f"{count} transfers (create + confirm) in {elapsed:.1f} s: {rate:.0f} transfers/s")
    print(f"{'call':<10}{'n':>6}{'p50':>10}{'p99':>10}{'statements':>12}")
    for name in ("create", "confirm", "transfer"):
        values = samples[name]
        sent = (
            counts.median("create") + counts.median("confirm")
            if name == "transfer"
            else counts.median(name)
        )
        print(
            f"{name:<10}{len(values):>6}{percentile(values, 0.5):>9.1f}ms"
            f"{percentile(values, 0.99):>9.1f}ms{sent:>12.0f}"
        )
    for name in ("create", "confirm"):
        print(f"  statements of one {name}: {counts.example(name)}")
    if line := summary(cpu, count):
        print(line)
    p99 = percentile(samples["transfer"], 0.99)
    print(goal_line("P2P over HTTP, transfers/s", f"{rate:.0f}/s", ">= 150/s", rate >= GOAL_RATE))
    print(goal_line("P2P over HTTP, transfer p99", f"{p99:.0f} ms", "< 150 ms", p99 < GOAL_P99_MS))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--transfers", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=None, help="gunicorn.conf.py's unless set")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn.conf.py's unless set")
    args = parser.parse_args(argv or [])
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        if backend == "postgresql" and not postgres_answers():
            print("PostgreSQL does not answer: skipped")
            continue
        run(backend, args)


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
