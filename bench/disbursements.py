"""Bulk disbursements: how long one worker takes to pay a 100 000-line batch (goal < 60 s).

For each backend (SQLite file, PostgreSQL database on ``BENCH_DATABASE_URL``):
a throw-away database migrated to head, a payer prefunded, N recipients (95 %
with a wallet, 5 % without: paid as cash-pickup remittances), then

1. validation: ``submit_batch`` of the N lines (what POST /disbursements/batches does);
2. payment: ``process_chunk`` until the batch is done, as the one worker would;
3. receipts: the follow-up jobs that record each wallet line's SMS receipt (one
   job per chunk, after its commit; their delivery to the gateway is not timed),
   on a sample.

The run is bounded: payment stops after ``BENCH_DISBURSEMENT_BUDGET`` seconds
(default 90) and the full time is projected from the measured rate; receipts
are timed on the first ``RECEIPT_SAMPLE`` lines. ``BENCH_DISBURSEMENT_LINES``
(default 100 000) and ``BENCH_BACKENDS`` (default ``sqlite,postgresql``) change
the run. Customers and wallets are inserted in bulk (the bench's own setup,
not what it measures): registering 100 000 customers one by one would hash
100 000 PINs with argon2.
"""

from __future__ import annotations

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


def run(backend: str, lines: int, budget: float) -> dict[str, Any]:
    from app.db import transaction
    from app.db.jobs import OutboxJob
    from app.disbursements import batches, processing
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

            validate_s, batch_id = _timed(validate)
            queued.clear()  # the processing job: run by hand below, chunk by chunk

            paid = 0
            started = time.perf_counter()
            more = True
            while more and time.perf_counter() - started < budget:
                with transaction(runtime) as session:
                    more = processing.process_chunk(session, batch_id)
                paid = min(paid + processing.CHUNK, lines)
            pay_s = time.perf_counter() - started

            with runtime.unit_of_work() as uow:
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
    per_line = pay_s / paid
    return {
        "backend": backend,
        "lines": lines,
        "setup_s": setup_s,
        "validate_s": validate_s,
        "paid": paid,
        "finished": not more,
        "pay_s": pay_s,
        "pay_projected_s": per_line * lines,
        "lines_per_s": paid / pay_s,
        "receipt_ms_per_line": 1000 * receipts_s / max(sampled, 1),
        "with_receipts_projected_s": per_line * lines + receipts_s / max(sampled, 1) * lines,
    }


def main() -> None:
    lines = env_int("BENCH_DISBURSEMENT_LINES", 100_000)
    budget = float(env_int("BENCH_DISBURSEMENT_BUDGET", 90))
    backends = os.environ.get("BENCH_BACKENDS", "sqlite,postgresql").split(",")
    print(f"bulk disbursements: {lines} lines, one worker, payment budget {budget:.0f} s")
    for backend in backends:
        r = run(backend.strip(), lines, budget)
        status = "done" if r["finished"] else f"stopped at the budget, {r['paid']} paid"
        print(
            f"  {r['backend']:<10} setup {r['setup_s']:6.1f} s"
            f" | validation {r['validate_s']:6.1f} s"
            f" | payment {r['pay_s']:6.1f} s ({status}), {r['lines_per_s']:6.0f} lines/s,"
            f" {r['lines']} lines in {r['pay_projected_s']:6.1f} s"
            f" {'(goal < 60 s met)' if r['pay_projected_s'] < 60 else '(goal < 60 s missed)'}"
            f" | receipts {r['receipt_ms_per_line']:.2f} ms/line (separate jobs;"
            f" payment + receipts {r['with_receipts_projected_s']:.1f} s)"
        )


if __name__ == "__main__":
    main()
