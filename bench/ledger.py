"""Ledger throughput: entries/s and latency of ``ledger.post_entry`` against hand-written SQL.

Every case posts entries between random pairs of 10 000 funded wallets for a
few seconds, from 1 or 4 client processes, on SQLite and on PostgreSQL:

* ``cold``: two legs, wallet → wallet; contention only when two clients draw
  the same wallet;
* ``hot``: three legs, every entry also credits ``fees:p2p`` (a P2P transfer
  with its fee), so every client writes the same row.

``ledger`` goes through the service API in a unit of work, as a request does.
``baseline`` is the same locks, inserts and updates written directly with
psycopg (sqlite3 on SQLite), with the account ids known in advance: the price
of the ORM and of the Python checks is the gap between the two (the ratio
column). Run ``python -m bench.ledger --help`` for the knobs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import queue
import random
import sqlite3
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from app import ledger
from app.db import Database, UnitOfWork
from app.db.statements import count_statements
from app.ledger.chart import TRUST_BANK, ensure_chart, fees
from app.ledger.models import Account
from app.ledger.posting import entry_fingerprint
from bench.databases import postgres_database, sqlite_database

ACCOUNTS = 10_000
FUNDING = 10**12
FEE_ACCOUNT = fees("p2p")
BACKENDS = ("sqlite", "postgresql")
WORKLOADS = ("cold", "hot")
IMPLEMENTATIONS = ("ledger", "baseline")
GOAL_ENTRIES_PER_SECOND = 1_500
GOAL_RATIO = 0.60
# Issue 21: five times faster on the paths people wait on; for the ledger,
# 2 500 entries/s with 4 clients on PostgreSQL, cold and hot.
GOAL_ISSUE_21 = 2_500
COUNTED_ENTRIES = 50


@dataclass(frozen=True)
class Case:
    backend: str
    workload: str
    clients: int
    impl: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    entries: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.entries / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def wallet_code(n: int) -> str:
    return f"wallet:bench-{n:05d}"


# -- setup -------------------------------------------------------------------


def prepare(url: str) -> None:
    """The chart, 10 000 wallets (bulk-inserted: setup is not measured) and their funding."""
    database = Database()
    database.configure(url)
    now = datetime.now(UTC)
    with UnitOfWork(database) as uow:
        ensure_chart(uow.session)
        uow.session.execute(
            insert(Account),
            [
                {
                    "code": wallet_code(n),
                    "type": "liability",
                    "normal": "credit",
                    "currency": "XAF",
                    "allow_overdraft": False,
                    "status": "active",
                    "debits_posted": 0,
                    "credits_posted": 0,
                    "debits_pending": 0,
                    "credits_pending": 0,
                    "created_at": now,
                }
                for n in range(ACCOUNTS)
            ],
        )
        # Small funding entries: the deferred check that each entry balances
        # runs once per posting over the entry's postings.
        for start in range(0, ACCOUNTS, 100):
            chunk = range(start, min(start + 100, ACCOUNTS))
            ledger.post_entry(
                uow.session,
                key=f"bench-funding-{start}",
                kind="float_topup",
                legs=[
                    ledger.debit(TRUST_BANK, FUNDING * len(chunk)),
                    *[ledger.credit(wallet_code(n), FUNDING) for n in chunk],
                ],
            )
        uow.commit()
    with database.engine.connect() as connection:  # type: ignore[union-attr]
        # Statistics for the planner, as a live database has them.
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    database.dispose()


def verify(url: str) -> list[str]:
    """Names of the ledger invariants that fail after the run (none, one hopes)."""
    database = Database()
    database.configure(url)
    with UnitOfWork(database) as uow:
        failed = [result.name for result in ledger.run_checks(uow.session) if not result.ok]
    database.dispose()
    return failed


def statements_per_entry(url: str, workload: str) -> tuple[float, str]:
    """Statements one ``post_entry`` unit of work sends, averaged over a few entries.

    Counted with ``count_statements`` (every statement SQLAlchemy sends) and,
    on PostgreSQL, at the driver: the ledger's own statements go through
    psycopg's cursor without SQLAlchemy (``journal.py``), and every statement
    SQLAlchemy sends does too, so the driver's count is the whole. BEGIN and
    COMMIT (one each per unit of work, the deferred increments of overdraft
    accounts travelling in one string with the COMMIT, counted here) are not in the
    figure on PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` is.
    """
    post, close, engine = _ledger_poster(url, workload)
    rng = random.Random(7)
    prefix = f"bench-count-{uuid.uuid4().hex[:8]}"
    for i in range(5):  # the refs cache and psycopg's prepared statements warm
        post(f"{prefix}-warm-{i}", rng)
    driver = _DriverCount() if url.startswith("postgresql") else None
    with count_statements(engine) as counted, driver or ExitStack():
        for i in range(COUNTED_ENTRIES):
            post(f"{prefix}-{i}", rng)
    close()
    if driver is not None:
        return driver.total / COUNTED_ENTRIES, f"{driver.total} at the driver"
    return counted.total / COUNTED_ENTRIES, counted.summary()


class _DriverCount:
    """Counts ``psycopg.Cursor.execute`` calls (all of them, SQLAlchemy's included)."""

    def __init__(self) -> None:
        self.total = 0
        self._original: Any = None

    def __enter__(self) -> _DriverCount:
        self._original = original = psycopg.Cursor.execute

        def execute(cursor: Any, *args: Any, **kwargs: Any) -> Any:
            self.total += 1
            return original(cursor, *args, **kwargs)

        psycopg.Cursor.execute = execute  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        psycopg.Cursor.execute = self._original  # type: ignore[method-assign]


# -- one entry, three ways ---------------------------------------------------


def _legs(rng: random.Random, workload: str) -> tuple[int, int, int, int]:
    a, b = rng.sample(range(ACCOUNTS), 2)
    amount = rng.randint(1, 10_000)
    fee = rng.randint(1, 100) if workload == "hot" else 0
    return a, b, amount, fee


def ledger_poster(url: str, workload: str) -> tuple[Callable[[str, random.Random], None], Any]:
    post, close, _engine = _ledger_poster(url, workload)
    return post, close


def _ledger_poster(
    url: str, workload: str
) -> tuple[Callable[[str, random.Random], None], Any, Any]:
    database = Database()
    # The app's pool pings each connection it checks out: one round trip per
    # unit of work that is the pool's, not the ledger's; the bench leaves it out.
    database.configure(url, pool_pre_ping=False)

    def post(key: str, rng: random.Random) -> None:
        a, b, amount, fee = _legs(rng, workload)
        legs = [ledger.debit(wallet_code(a), amount + fee), ledger.credit(wallet_code(b), amount)]
        if fee:
            legs.append(ledger.credit(FEE_ACCOUNT, fee))
        with UnitOfWork(database) as uow:
            ledger.post_entry(uow.session, key=key, kind="p2p", legs=legs)
            uow.commit()

    return post, database.dispose, database.engine


class _Baseline:
    """The ledger's write path by hand: lock the guarded accounts in id order,
    check, insert the entry and its postings, update the totals (guarded accounts
    first, the hot fee account last), commit."""

    def __init__(self, url: str, workload: str) -> None:
        self.workload = workload
        self.postgres = url.startswith("postgresql")
        if self.postgres:
            conninfo = make_url(url).set(drivername="postgresql").render_as_string(False)
            self.conn: Any = psycopg.connect(conninfo)
            mark = "%s"
        else:
            self.conn = sqlite3.connect(make_url(url).database, isolation_level=None)
            self.conn.execute("PRAGMA busy_timeout=30000")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            mark = "?"
        self.lock_sql = (
            "SELECT id, status, credits_posted - debits_posted - debits_pending "
            f"FROM ledger_accounts WHERE id IN ({mark}, {mark}) ORDER BY id"
            + (" FOR UPDATE" if self.postgres else "")
        )
        self.entry_sql = (
            "INSERT INTO ledger_entries (idempotency_key, fingerprint, kind, status, "
            f"created_at, posted_at) VALUES ({mark}, {mark}, 'p2p', 'posted', {mark}, {mark}) "
            "ON CONFLICT DO NOTHING RETURNING id"
        )
        self.postings_sql = (
            "INSERT INTO ledger_postings (entry_id, account_id, side, amount, currency) VALUES "
        )
        self.posting_row = f"({mark}, {mark}, {mark}, {mark}, 'XAF')"
        self.update_sql = (
            f"UPDATE ledger_accounts SET debits_posted = debits_posted + {mark}, "
            f"credits_posted = credits_posted + {mark} WHERE id = {mark}"
        )
        rows = self.conn.execute(
            f"SELECT code, id FROM ledger_accounts WHERE code LIKE {mark} OR code = {mark}",
            ("wallet:bench-%", FEE_ACCOUNT),
        ).fetchall()
        ids = dict(rows)
        self.fee_id = ids[FEE_ACCOUNT]
        self.ids = [ids[wallet_code(n)] for n in range(ACCOUNTS)]

    def post(self, key: str, rng: random.Random) -> None:
        a, b, amount, fee = _legs(rng, self.workload)
        debit_id, credit_id = self.ids[a], self.ids[b]
        legs = [(debit_id, "debit", amount + fee), (credit_id, "credit", amount)]
        if fee:
            legs.append((self.fee_id, "credit", fee))
        now = datetime.now(UTC)
        stamp: Any = now if self.postgres else now.strftime("%Y-%m-%d %H:%M:%S.%f")
        fingerprint = entry_fingerprint("p2p", [ledger.Leg(str(i), s, n) for i, s, n in legs])
        cur = self.conn.cursor()
        if not self.postgres:
            cur.execute("BEGIN IMMEDIATE")
        locked = {
            row[0]: row
            for row in cur.execute(self.lock_sql, sorted((debit_id, credit_id))).fetchall()
        }
        if locked[debit_id][1] != "active" or locked[debit_id][2] < amount + fee:
            raise RuntimeError("bench wallet cannot afford the entry")
        entry_id = cur.execute(self.entry_sql, (key, fingerprint, stamp, stamp)).fetchone()[0]
        cur.execute(
            self.postings_sql + ", ".join([self.posting_row] * len(legs)),
            [value for leg in legs for value in (entry_id, *leg)],
        )
        updates = [
            (amount + fee if aid == debit_id else 0, 0 if aid == debit_id else amount, aid)
            for aid in sorted((debit_id, credit_id))
        ]
        if fee:
            updates.append((0, fee, self.fee_id))
        cur.executemany(self.update_sql, updates)
        if self.postgres:
            self.conn.commit()
        else:
            cur.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def baseline_poster(url: str, workload: str) -> tuple[Callable[[str, random.Random], None], Any]:
    baseline = _Baseline(url, workload)
    return baseline.post, baseline.close


# -- clients -----------------------------------------------------------------


def client(url: str, case: Case, seconds: float, number: int, start: Any, results: Any) -> None:
    """One client process: warm up, wait for the others, post for ``seconds``."""
    make = ledger_poster if case.impl == "ledger" else baseline_poster
    post, close = make(url, case.workload)
    rng = random.Random(number)
    prefix = f"bench-{uuid.uuid4().hex[:8]}-{number}"
    for i in range(20):
        post(f"{prefix}-warm-{i}", rng)
    start.wait()
    latencies: list[float] = []
    began = time.perf_counter()
    deadline = began + seconds
    i = 0
    while True:
        t0 = time.perf_counter()
        if t0 >= deadline:
            break
        post(f"{prefix}-{i}", rng)
        latencies.append(time.perf_counter() - t0)
        i += 1
    results.put((len(latencies), time.perf_counter() - began, latencies))
    close()


def run_case(url: str, case: Case, seconds: float) -> Outcome:
    # fork: the clients start in milliseconds, not after re-importing the app
    # (the parent holds no connection: prepare and verify dispose theirs).
    ctx = multiprocessing.get_context("fork" if sys.platform == "linux" else "spawn")
    start = ctx.Barrier(case.clients)
    results = ctx.Queue()
    processes = [
        ctx.Process(target=client, args=(url, case, seconds, n, start, results))
        for n in range(case.clients)
    ]
    for process in processes:
        process.start()
    collected = []
    while len(collected) < len(processes):
        try:
            collected.append(results.get(timeout=1))
        except queue.Empty:
            if any(p.exitcode not in (None, 0) for p in processes):
                for process in processes:
                    process.kill()
                raise RuntimeError(f"a bench client failed in {case}") from None
    for process in processes:
        process.join()
    latencies = [latency for _, _, lat in collected for latency in lat]
    elapsed = max(duration for _, duration, _ in collected)
    return Outcome(case, sum(n for n, _, _ in collected), elapsed, latencies)


# -- report ------------------------------------------------------------------


def with_async_commit(url: str) -> str:
    if not url.startswith("postgresql"):
        return url
    parsed = make_url(url).update_query_dict({"options": "-csynchronous_commit=off"})
    return parsed.render_as_string(hide_password=False)


def databases(backends: list[str], stack: ExitStack) -> Iterator[tuple[str, str]]:
    for backend in backends:
        if backend == "postgresql":
            url = stack.enter_context(postgres_database("postcash_bench"))
        else:
            url = stack.enter_context(sqlite_database("postcash_bench"))
        yield backend, url


def report(outcomes: dict[Case, Outcome]) -> None:
    header = (
        f"{'backend':<11}{'workload':<10}{'clients':>7}"
        f"{'ledger/s':>11}{'p50 ms':>8}{'p99 ms':>8}"
        f"{'baseline/s':>12}{'p50 ms':>8}{'p99 ms':>8}{'ratio':>8}"
    )
    print(header)
    print("-" * len(header))
    keys = sorted({(c.backend, c.workload, c.clients) for c in outcomes}, key=_row_order)
    for backend, workload, clients in keys:
        mine = outcomes.get(Case(backend, workload, clients, "ledger"))
        base = outcomes.get(Case(backend, workload, clients, "baseline"))
        cells = f"{backend:<11}{workload:<10}{clients:>7}"
        for outcome, width in ((mine, 11), (base, 12)):
            if outcome is None:
                cells += f"{'-':>{width}}{'-':>8}{'-':>8}"
            else:
                cells += (
                    f"{outcome.rate:>{width},.0f}"
                    f"{outcome.percentile(0.50):>8.2f}{outcome.percentile(0.99):>8.2f}"
                )
        ratio = f"{mine.rate / base.rate:.0%}" if mine and base and base.rate else "-"
        print(cells + f"{ratio:>8}")


def _row_order(key: tuple[str, str, int]) -> tuple[int, int, int]:
    backend, workload, clients = key
    return BACKENDS.index(backend), WORKLOADS.index(workload), clients


def verdict(outcomes: dict[Case, Outcome]) -> None:
    for workload in WORKLOADS:
        mine = outcomes.get(Case("postgresql", workload, 4, "ledger"))
        base = outcomes.get(Case("postgresql", workload, 4, "baseline"))
        if mine is None:
            continue
        ok = mine.rate >= GOAL_ENTRIES_PER_SECOND and (
            base is None or mine.rate >= GOAL_RATIO * base.rate
        )
        print(
            f"goal (PostgreSQL, 4 clients, {workload}): >= {GOAL_ENTRIES_PER_SECOND} entries/s "
            f"and >= {GOAL_RATIO:.0%} of baseline: {'met' if ok else 'NOT met'}"
        )


def goal_issue_21(
    outcomes: dict[Case, Outcome], counts: dict[tuple[str, str], tuple[float, str]]
) -> None:
    """Issue 21's line: PostgreSQL, 4 clients, cold and hot, with 'goal met' or not."""
    for workload in WORKLOADS:
        mine = outcomes.get(Case("postgresql", workload, 4, "ledger"))
        if mine is None:
            continue
        per_entry = counts.get(("postgresql", workload), (0.0, ""))[0]
        met = "goal met" if mine.rate >= GOAL_ISSUE_21 else "goal NOT met"
        print(
            f"issue 21 (PostgreSQL, 4 clients, {workload}): {mine.rate:,.0f} entries/s, "
            f"{per_entry:g} statements/entry, goal >= {GOAL_ISSUE_21:,}: {met}"
        )


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ledger", description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each case")
    parser.add_argument("--backends", default=",".join(BACKENDS))
    parser.add_argument("--workloads", default=",".join(WORKLOADS))
    parser.add_argument("--clients", default="1,4")
    parser.add_argument("--impl", default=",".join(IMPLEMENTATIONS))
    parser.add_argument(
        "--async-commit",
        action="store_true",
        help="PostgreSQL clients commit without waiting for the WAL flush (both sides): "
        "shows the CPU and locking cost when a shared disk makes fsync the bottleneck",
    )
    args, _unknown = parser.parse_known_args(argv)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    backends = args.backends.split(",")
    print(
        f"Ledger bench: entries between random pairs of {ACCOUNTS:,} wallets, "
        f"{args.seconds:g} s per case, {multiprocessing.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.1f} at start"
        + (", PostgreSQL synchronous_commit=off" if args.async_commit else "")
    )
    outcomes: dict[Case, Outcome] = {}
    counts: dict[tuple[str, str], tuple[float, str]] = {}
    with ExitStack() as stack:
        for backend, url in databases(backends, stack):
            prepare(url)
            for workload in args.workloads.split(","):
                counts[backend, workload] = statements_per_entry(url, workload)
            client_url = with_async_commit(url) if args.async_commit else url
            for workload in args.workloads.split(","):
                for clients in (int(n) for n in args.clients.split(",")):
                    for impl in args.impl.split(","):
                        case = Case(backend, workload, clients, impl)
                        outcomes[case] = run_case(client_url, case, args.seconds)
            failed = verify(url)
            print(
                f"{backend}: ledger invariants after the run: "
                + ("all hold" if not failed else "FAILED " + ", ".join(failed))
            )
    report(outcomes)
    for (backend, workload), (per_entry, detail) in counts.items():
        around = (
            "plus the driver's BEGIN and COMMIT (a deferred increment is sent with the COMMIT)"
            if backend == "postgresql"
            else "plus COMMIT"
        )
        print(
            f"statements per entry, {backend} {workload}: {per_entry:g} ({detail} for "
            f"{COUNTED_ENTRIES} entries), {around}"
        )
    verdict(outcomes)
    goal_issue_21(outcomes, counts)


if __name__ == "__main__":
    main()
