"""USSD latency per screen on the send-money path, under gunicorn.

A throw-away database (SQLite file, and PostgreSQL when its server answers) is
migrated and filled with customers; gunicorn serves the app (the project's
gunicorn.conf.py, gthread: its workers and threads unless ``--workers`` and
``--threads`` say otherwise); client threads on the same machine play
whole sessions the way Africa's Talking forwards them:

    main → send.to → send.amount → send.confirm → send.pin → send.done

Each screen's latency is the server's own time (the ``Server-Timing`` header
that ``POST /ussd`` sets: from the form parsed to the answer rendered, after
the commit and the after-commit jobs) and the round trip seen by the client.
Jobs (the SMS receipts of a payment) go to rq on a Redis database of their own
(``BENCH_REDIS_URL``, default db 12, emptied afterwards), as in production where
workers send them; ``--jobs inprocess`` runs them in the request after the
commit instead, as the embedded mode does.

The PIN is verified as production does (HMAC with a pepper, then argon2id at
OWASP's minimum: about 14 ms on a quiet core, more on a busy one; ``bench.pin``
measures it alone); ``--pin-hash fast`` starts senders with argon2's cheapest
hash, which the app renews at production cost on their first right PIN.
Beside each screen: the statements it sends (``bench.statements``, counted
in-process on the same database with the server's settings) and whether its
server p99 meets issue 21's goal, below 100 ms for every screen, the paying
one (``send.done``, where the PIN is checked) included.

    python -m bench.ussd [--backend sqlite|postgresql|both] [--sessions 200]
                         [--clients 8] [--pin-hash strong|fast] [--jobs rq|inprocess]
                         [--workers N] [--threads N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.engine import make_url

from app.config import BASE_DIR
from bench import statements
from bench.databases import DEFAULT_PG_SERVER, database_at_head

SCREENS = ("main", "send.to", "send.amount", "send.confirm", "send.pin", "send.done")
GOAL_P99_MS = 100.0  # every screen (issue 21)
PIN = "2580"
DEFAULT_REDIS = "redis://127.0.0.1:6379/12"
SECRET = secrets.token_urlsafe(40)
# The PIN pepper of the bench's app and of the customers it registers (docs/PINS.md).
PIN_PEPPERS = {"1": secrets.token_urlsafe(40)}
PIN_SCREENS_CEILING = "100000/15 minutes"


# --- Throw-away databases -----------------------------------------------------------


@contextmanager
def sqlite_database() -> Iterator[str]:
    with database_at_head("sqlite", "bench_ussd") as url:
        yield url


@contextmanager
def postgres_database() -> Iterator[str]:
    with database_at_head("postgresql", "bench_ussd") as url:
        yield url


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or DEFAULT_REDIS


def redis_answers() -> bool:
    from redis import Redis

    try:
        return bool(Redis.from_url(redis_url(), socket_connect_timeout=1).ping())
    except Exception:
        return False


@contextmanager
def job_queue(kind: str) -> Iterator[str]:
    """The REDIS_URL the app gets: rq on the bench's own database, emptied after the run."""
    if kind != "rq":
        yield ""
        return
    from redis import Redis
    from rq import Queue

    try:
        yield redis_url()
    finally:
        Queue("default", connection=Redis.from_url(redis_url())).empty()


def postgres_answers() -> bool:
    server = make_url(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG_SERVER)
    try:
        with socket.create_connection((server.host or "127.0.0.1", server.port or 5432), 1):
            return True
    except OSError:
        return False


# --- Customers ----------------------------------------------------------------------


def environment(url: str, redis: str) -> dict[str, str]:
    return {
        "APP_ENV": "staging",
        "SECRET_KEY": SECRET,
        "PIN_PEPPERS": json.dumps(PIN_PEPPERS),
        "DATABASE_URL": url,
        "REDIS_URL": redis,
        "SMS_BACKEND": "console",
        "LOG_LEVEL": "WARNING",
        "RATELIMIT_ENABLED": "0",
        # The PIN screens a number may submit are counted in Redis, which outlives
        # the run: consecutive runs reuse the numbers. Still counted, never reached.
        "USSD_PIN_SCREENS": PIN_SCREENS_CEILING,
    }


def populate(url: str, senders: int, recipients: int, strong: bool) -> tuple[list, list]:
    """Senders funded with 150 000 FCFA, recipients empty; numbers of both."""
    from app import create_app, ledger
    from app.config import Config
    from app.customers.pins import hash_pin
    from app.customers.service import register_customer
    from app.ledger import chart
    from app.seed import seed

    config = Config(
        APP_ENV="staging",
        SECRET_KEY=SECRET,
        PIN_PEPPERS=PIN_PEPPERS,
        DATABASE_URL=url,
        REDIS_URL=None,
        SMS_BACKEND="console",
        LOG_JSON=False,
        TESTING=True,  # fast hashes while registering; senders get a production one below
    )
    app = create_app(config)
    runtime = app.extensions["postcash"]
    # One production hash (the pepper, OWASP's argon2id) for every sender: argon2 takes
    # its time to make as to check. Made under TESTING off, so the app never renews it.
    production = Config(PIN_PEPPERS=PIN_PEPPERS)
    strong_hash = hash_pin(PIN, production) if strong else None
    numbers: dict[str, list[str]] = {"senders": [], "recipients": []}
    with app.app_context(), runtime.unit_of_work() as uow:
        session = uow.session
        seed(session, demo=False)
        for kind, count in (("senders", senders), ("recipients", recipients)):
            for n in range(count):
                prefix = "06" if kind == "senders" else "05"
                msisdn = f"+242{prefix}{n + 1:07d}"
                customer = register_customer(
                    session, msisdn=msisdn, first_name="Bench", last_name="Client", pin=PIN
                )
                if kind == "senders":
                    if strong_hash:
                        customer.pin_hash = strong_hash
                    ledger.post_entry(
                        session,
                        key=f"bench:{customer.id}",
                        kind="opening_balance",
                        legs=[
                            ledger.debit(chart.TRUST_BANK, 150_000),
                            ledger.credit(chart.wallet(customer.id), 150_000),
                        ],
                    )
                numbers[kind].append(msisdn)
        uow.commit()
    runtime.database.dispose()
    return numbers["senders"], numbers["recipients"]


# --- gunicorn -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def goal_line(path: str, figure: str, goal: str, met: bool) -> str:
    """One line of issue 21's table: the path, the figure, the goal, "goal met"."""
    return f"| {path:<34} | {figure:>10} | {goal:>10} | goal met: {'yes' if met else 'NO'} |"


@contextmanager
def gunicorn(
    url: str, redis: str, workers: int | None = None, threads: int | None = None
) -> Iterator[tuple[int, str]]:
    """gunicorn serving the app on a free port: (the port, "N workers x M threads").

    Workers and threads are gunicorn.conf.py's own unless given (then on the
    command line, which wins over the file; the pool follows the threads)."""
    port = free_port()
    env = {**os.environ, **environment(url, redis), "PORT": str(port)}
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "DB_POOL_SIZE", "DB_MAX_OVERFLOW"):
        env.pop(name, None)
    if threads:
        env["GUNICORN_THREADS"] = str(threads)
    chosen = _gunicorn_shape(env)
    shape = (workers or chosen[0], chosen[1])
    overrides = ["--workers", str(workers)] if workers else []
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", *overrides, "wsgi:app"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_until_up(port, process)
        yield port, f"{shape[0]} workers x {shape[1]} threads"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _gunicorn_shape(env: dict[str, str]) -> tuple[int, int]:
    """Workers and threads gunicorn.conf.py chooses under ``env``."""
    script = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py'); print(c['workers'], c['threads'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def _wait_until_up(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited while starting")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health")
            if conn.getresponse().status in (200, 503):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


# --- Load ---------------------------------------------------------------------------


@dataclass
class Samples:
    server: dict[str, list[float]]
    client: dict[str, list[float]]
    failures: int = 0


def play(port: int, sender: str, recipient: str, samples: Samples, lock: threading.Lock) -> None:
    """One whole send-money session: six requests, as the gateway sends them."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    session_id = f"bench-{uuid.uuid4().hex}"
    inputs = ["1", "0" + recipient[5:], str(random.randint(100, 900)), "1", PIN]
    results = []
    for step, screen in enumerate(SCREENS):
        body = urllib.parse.urlencode(
            {
                "sessionId": session_id,
                "serviceCode": "*144#",
                "phoneNumber": sender,
                "networkCode": "62901",
                "text": "*".join(inputs[:step]),
            }
        )
        started = time.perf_counter()
        conn.request("POST", "/ussd", body, {"Content-Type": "application/x-www-form-urlencoded"})
        response = conn.getresponse()
        answer = response.read().decode()
        elapsed = (time.perf_counter() - started) * 1000
        timing = response.getheader("Server-Timing") or "app;dur=nan"
        server_ms = float(timing.split("dur=")[1])
        expected = "END Envoi" if screen == "send.done" else "CON "
        results.append((screen, server_ms, elapsed, answer.startswith(expected)))
    conn.close()
    with lock:
        for screen, server_ms, client_ms, ok in results:
            samples.server[screen].append(server_ms)
            samples.client[screen].append(client_ms)
            samples.failures += 0 if ok else 1


def load(port: int, senders: list[str], recipients: list[str], sessions: int, clients: int):
    samples = Samples(defaultdict(list), defaultdict(list))
    lock = threading.Lock()
    todo = iter(range(sessions))
    todo_lock = threading.Lock()

    def client(index: int) -> None:
        while True:
            with todo_lock:
                n = next(todo, None)
            if n is None:
                return
            sender = senders[n % len(senders)]
            play(port, sender, random.choice(recipients), samples, lock)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def report(
    backend: str,
    samples: Samples,
    seconds: float,
    args: argparse.Namespace,
    served_by: str,
    counts: statements.PerOperation,
) -> None:
    sessions = len(samples.server["send.done"])
    print(
        f"\nUSSD send-money path — {backend}, gunicorn {served_by}, "
        f"{args.clients} concurrent sessions, {sessions} sessions in {seconds:.1f} s "
        f"({sessions / seconds:.1f} sessions/s), PIN hash {args.pin_hash}, jobs {args.jobs}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    print(
        f"{'screen':<14}{'n':>6}{'server p50':>12}{'p99':>9}{'round trip p50':>17}{'p99':>9}"
        f"{'statements':>12}  goal p99 < {GOAL_P99_MS:.0f} ms met"
    )
    for screen in SCREENS:
        server, client = samples.server[screen], samples.client[screen]
        p99 = percentile(server, 0.99)
        verdict = "yes" if p99 < GOAL_P99_MS else "NO"
        print(
            f"{screen:<14}{len(server):>6}{percentile(server, 0.5):>10.1f}ms"
            f"{p99:>7.1f}ms{percentile(client, 0.5):>15.1f}ms{percentile(client, 0.99):>7.1f}ms"
            f"{counts.median(screen):>12.0f}  {verdict}"
        )
    print(f"  statements of the paying screen (send.done): {counts.example('send.done')}")
    worst = max(percentile(samples.server[screen], 0.99) for screen in SCREENS)
    print(
        goal_line(
            "USSD send path, worst screen p99",
            f"{worst:.0f} ms",
            f"< {GOAL_P99_MS:.0f} ms",
            worst < GOAL_P99_MS,
        )
    )
    paying = percentile(samples.server["send.done"], 0.99)
    print(
        goal_line(
            "USSD paying screen p99",
            f"{paying:.0f} ms",
            f"< {GOAL_P99_MS:.0f} ms",
            paying < GOAL_P99_MS,
        )
    )
    if samples.failures:
        print(f"!! {samples.failures} screen(s) were not the expected one")


def pin_check_cost() -> tuple[float, float]:
    """p50 and p99 of one PIN check as production makes it (``bench.pin``)."""
    from bench.pin import measure

    times = measure(20)["new"]
    return percentile(times, 0.5), percentile(times, 0.99)


def run(backend: str, args: argparse.Namespace) -> None:
    database = sqlite_database if backend == "sqlite" else postgres_database
    with database() as url:
        # one sender more: the statement count plays it alone, after the load
        senders, recipients = populate(
            url, args.senders + 1, args.senders + 1, args.pin_hash == "strong"
        )
        with (
            job_queue(args.jobs) as redis,
            gunicorn(url, redis, args.workers, args.threads) as (port, served_by),
        ):
            mine, theirs = senders[:-1], recipients[:-1]
            load(port, mine, theirs, args.clients * 2, args.clients)  # warm-up
            samples, seconds = load(port, mine, theirs, args.sessions, args.clients)
            counts = statements.ussd(url, redis, senders[-1], recipients[-1], PIN, SCREENS)
    report(backend, samples, seconds, args, served_by, counts)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--senders", type=int, default=40)
    parser.add_argument("--pin-hash", choices=("strong", "fast"), default="strong")
    parser.add_argument("--jobs", choices=("rq", "inprocess"), default="rq")
    parser.add_argument("--workers", type=int, default=None, help="gunicorn.conf.py's unless set")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn.conf.py's unless set")
    args = parser.parse_args(argv if argv is not None else [])
    if args.jobs == "rq" and not redis_answers():
        print("Redis does not answer: jobs run in-process")
        args.jobs = "inprocess"
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not postgres_answers():
        print("PostgreSQL does not answer: skipped")
        backends.remove("postgresql")
    for backend in backends:
        run(backend, args)
    p50, p99 = pin_check_cost()
    print(f"\nOne PIN check (production parameters) here: p50 {p50:.0f} ms, p99 {p99:.0f} ms")


if __name__ == "__main__":
    # Run the copy of this module the others import (bench.statements): as ``__main__``
    # this file would make its own SECRET and pepper, and the statement counter's app
    # would then find every bench customer's PIN wrong.
    from bench import ussd

    ussd.main(sys.argv[1:])
