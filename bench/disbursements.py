"""Bulk disbursements: a 100 000-line batch validated and paid by the deployed workers
(issue 21: goal < 20 s in all).

For each backend (SQLite file, PostgreSQL database on ``BENCH_DATABASE_URL``):
a throw-away database migrated to head, a payer prefunded, N recipients (95 %
with a wallet, 5 % without: paid as cash-pickup remittances), then

1. validation: ``submit_batch`` of the N lines and the approval (what
   POST /disbursements/batches and …/approve do);
2. payment: ``BENCH_DISBURSEMENT_WORKERS`` (default 2, the deployment of
   docs/DEPLOY.md) worker processes started before the clock, each running the
   batch's job (``workers.disbursements.process_batch``) side by side, chunks
   shared by ``processing.claim_lines``; SQLite, one writer, gets one;
3. receipts: the follow-up jobs that record each wallet line's SMS receipt (one
   job per chunk, after its commit; their delivery to the gateway is not timed),
   on a sample.

It prints validation and payment seconds, their total, lines paid per second,
statements per chunk (``app.db.statements.count_statements`` in every worker)
and whether the goal is met. ``BENCH_DISBURSEMENT_LINES`` (default 100 000) and
``BENCH_BACKENDS`` (default ``sqlite,postgresql``) change the run. Customers
and wallets are inserted in bulk (the bench's own setup, not what it measures):
registering 100 000 customers one by one would hash 100 000 PINs with argon2.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, select

from bench.databases import (
    bench_app,
    database_at_head,
    env_int,
    liability_account_row,
)

WALLET_SHARE = 0.95
GOAL_S = 20.0
# The rq worker processes of the deployment this bench stands for (docs/DEPLOY.md:
# postcash-worker@1 and @2 on a 2-core node), each taking chunks of the batch.
DEPLOYED_WORKERS = 2
RECEIPT_SAMPLE = 2_000
AMOUNT = 25_000


def _setup(runtime: Any, lines: int) -> tuple[str, list[dict[str, Any]]]:
    """A prefunded payer and ``lines`` recipients; the batch items."""
    from app import ledger
    from app.auth.onboarding import create_payer
    from app.clock import clock
    from app.customers.models import Customer
    from app.ledger import chart
    from app.ledger.models import Account
    from app.seed import seed

    now = clock.now()
    with runtime.unit_of_work() as uow:
        session = uow.session
        seed(session, demo=False)
        payer, _key = create_payer(session, name="Caisse de retraite (bench)")
        ledger.post_entry(
            session,
            key="bench:prefund",
            kind="prefunding",
            legs=[
                ledger.debit(chart.TRUST_BANK, AMOUNT * lines),
                ledger.credit(chart.payer(payer.id), AMOUNT * lines),
            ],
        )
        items, customers, accounts = [], [], []
        for i in range(lines):
            msisdn = f"+24206{i:07d}"
            items.append(
                {"msisdn": msisdn, "name": "Retraite Bench", "amount": AMOUNT, "reference": f"P{i}"}
            )
            if i % 100 < WALLET_SHARE * 100:
                customer_id = str(uuid.uuid4())
                customers.append(
                    {
                        "id": customer_id,
                        "msisdn": msisdn,
                        "first_name": "Retraite",
                        "last_name": "Bench",
                        "language": "fr",
                        "kyc_tier": "standard",
                        "status": "active",
                        "failed_pin_attempts": 0,
                        "pin_hash": "bench-no-pin",
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                accounts.append(liability_account_row(chart.wallet(customer_id), now))
        for start in range(0, len(customers), 5_000):
            session.execute(insert(Customer), customers[start : start + 5_000])
            session.execute(insert(Account), accounts[start : start + 5_000])
        uow.commit()
    return payer.id, items


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def _worker(url: str, batch_id: str, ready: Any, go: Any, results: Any) -> None:
    """One worker process, as a deployment runs it: its own application and database
    pool, running the batch's job (``workers.disbursements.process_batch``) until no
    chunk is left to claim. Jobs the chunks queue (receipts) are collected, not run."""
    from app.db.statements import count_statements
    from workers.disbursements import process_batch

    app = bench_app(url)
    runtime = app.extensions["postcash"]
    runtime.queue.runner = lambda _outbox_id: None
    with app.app_context():
        ready.set()
        go.wait()
        started = time.perf_counter()
        with count_statements(runtime.database.engine) as counted:
            chunks = process_batch(batch_id, slice_seconds=float("inf"))
        results.put((chunks, counted.total, time.perf_counter() - started))
    runtime.database.dispose()


def _pay_with_workers(url: str, batch_id: str, workers: int) -> tuple[float, int, int]:
    """Pay the batch with ``workers`` processes side by side: (seconds, chunks, statements).

    Each process builds its application before the clock starts (a deployed worker is
    already running when a batch is approved); the time runs from the start signal to
    the last process done. A worker's last call finds nothing to claim: it is counted as
    a chunk, which makes the statements per chunk slightly pessimistic.
    """
    context = multiprocessing.get_context("spawn")
    go = context.Event()
    results = context.Queue()
    readies = [context.Event() for _ in range(workers)]
    processes = [
        context.Process(target=_worker, args=(url, batch_id, ready, go, results))
        for ready in readies
    ]
    for process in processes:
        process.start()
    for ready in readies:
        ready.wait(120)
    started = time.perf_counter()
    go.set()
    done = [results.get(timeout=600) for _ in processes]
    elapsed = time.perf_counter() - started
    for process in processes:
        process.join()
    return elapsed, sum(c for c, _s, _t in done), sum(s for _c, s, _t in done)


def run(backend: str, lines: int, workers: int) -> dict[str, Any]:
    from app.db import transaction
    from app.db.jobs import OutboxJob
    from app.db.statements import count_statements
    from app.disbursements import batches, processing
    from app.disbursements.models import DisbursementBatch
    from workers.outbox import run as run_job

    with database_at_head(backend, "bench_disburse") as url:
        app = bench_app(url)
        runtime = app.extensions["postcash"]
        queued: list[int] = []
        runtime.queue.runner = queued.append  # jobs are collected, run below when timed
        with app.app_context():
            setup_s, (payer_id, items) = _timed(lambda: _setup(runtime, lines))

            def validate() -> str:
                with transaction(runtime) as session:
                    batch, _created = batches.submit_batch(
                        session, payer_id, reference="BENCH", items=items
                    )
                    batches.approve_batch(session, payer_id, batch.id)
                    return batch.id

            with count_statements(runtime.database.engine) as validate_counted:
                validate_s, batch_id = _timed(validate)
            queued.clear()  # the processing jobs: run by the worker processes below

            # SQLite has one writer at a time: more workers would only take turns.
            pay_s, chunks, statements = _pay_with_workers(
                url, batch_id, workers if backend == "postgresql" else 1
            )
            with runtime.unit_of_work() as uow:
                batch = uow.session.get(DisbursementBatch, batch_id)
                assert batch is not None
                status, paid = batch.status, batch.completed
                notify_jobs = [
                    (job.id, job.kwargs)
                    for job in uow.session.scalars(
                        select(OutboxJob)
                        .where(OutboxJob.name == processing.NOTIFY_JOB)
                        .order_by(OutboxJob.id)
                    )
                ]
            receipts_started = time.perf_counter()
            sampled = 0
            for outbox_id, kwargs in notify_jobs:
                if sampled >= RECEIPT_SAMPLE:
                    break
                run_job(outbox_id, runtime)  # records the SMS; their delivery jobs stay queued
                sampled += kwargs["last_line"] - kwargs["first_line"] + 1
            receipts_s = time.perf_counter() - receipts_started
        runtime.database.dispose()
    return {
        "backend": backend,
        "lines": lines,
        "workers": workers if backend == "postgresql" else 1,
        "setup_s": setup_s,
        "validate_s": validate_s,
        "validate_statements": validate_counted.total,
        "finished": status == "completed",
        "paid": paid,
        "pay_s": pay_s,
        "total_s": validate_s + pay_s,
        "lines_per_s": lines / pay_s,
        "chunks": chunks,
        "statements_per_chunk": statements / max(chunks, 1),
        "receipt_ms_per_line": 1000 * receipts_s / max(sampled, 1),
    }


def main() -> None:
    lines = env_int("BENCH_DISBURSEMENT_LINES", 100_000)
    workers = env_int("BENCH_DISBURSEMENT_WORKERS", DEPLOYED_WORKERS)
    backends = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
    print(
        f"bulk disbursements: {lines} lines, validation + payment by {workers} worker"
        f" process(es) on PostgreSQL (1 on SQLite), goal < {GOAL_S:.0f} s in all"
    )
    print(
        f"  {'backend':<10} {'workers':>7} {'validation':>10} {'payment':>8} {'total':>7}"
        f" {'lines/s':>8} {'stmts/chunk':>11} {'valid. stmts':>12} {'receipts':>12}  goal met"
    )
    for backend in backends:
        r = run(backend.strip(), lines, workers)
        met = "yes" if r["finished"] and r["total_s"] < GOAL_S else "no"
        unfinished = "" if r["finished"] else f" (NOT finished: {r['paid']} paid)"
        print(
            f"  {r['backend']:<10} {r['workers']:>7} {r['validate_s']:>9.1f}s {r['pay_s']:>7.1f}s"
            f" {r['total_s']:>6.1f}s {r['lines_per_s']:>8.0f} {r['statements_per_chunk']:>11.1f}"
            f" {r['validate_statements']:>12} {r['receipt_ms_per_line']:>7.2f} ms/l  {met}"
            f"{unfinished}"
        )


if __name__ == "__main__":
    main()
