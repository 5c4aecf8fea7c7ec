"""Postal savings: the daily interest provision over 100 000 livrets (goal < 30 s on
PostgreSQL), a set-based pass (app/savings/accrual.py).

For each backend (``BENCH_BACKENDS``, default ``postgresql``): a throw-away
database migrated to head, ``BENCH_SAVINGS_ACCOUNTS`` livrets (default 100 000)
inserted in bulk with balances between 5 000 and 5 000 000 (the bench's own
setup, not what it measures), 5 % of them with a deposit or a withdrawal on
the day, then ``accrue_day`` timed, each in its own unit of work, on

1. the first day of a fortnight (``earning`` starts again from ``closing``);
2. the next day (an ordinary day);
3. the same day again (a rerun: finds it done).
"""

from __future__ import annotations

import os
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from bench.databases import (
    bench_app,
    database_at_head,
    env_int,
    liability_account_row,
)

DAY = date(2027, 3, 16)  # the first day of a fortnight


def _setup(runtime: Any, count: int) -> None:
    from app.clock import clock
    from app.customers.models import Customer
    from app.ledger import chart
    from app.ledger.models import Account
    from app.savings.models import SavingsAccount, SavingsMovement
    from app.seed import seed

    rng = random.Random(17)
    now = clock.now()
    with runtime.unit_of_work() as uow:
        session = uow.session
        seed(session, demo=False)
        customers, accounts, livrets, moves = [], [], [], []
        for i in range(count):
            customer_id, livret_id = str(uuid.uuid4()), str(uuid.uuid4())
            balance = rng.randrange(5_000, 5_000_000)
            customers.append(
                {
                    "id": customer_id,
                    "msisdn": f"+24206{i:07d}",
                    "first_name": "Epargne",
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
            accounts.append(liability_account_row(chart.savings(livret_id), now))
            livrets.append(
                {
                    "id": livret_id,
                    "number": f"EP{i:010d}",
                    "customer_id": customer_id,
                    "product": "livret",
                    "status": "active",
                    "opened_at": now,
                    "accrued_through": DAY - timedelta(days=1),
                    "closing": balance,
                    "earning": balance,
                    "accrued_in_fortnight": balance * 250 // 240_000,
                    "accrued_interest": 0,
                }
            )
            if i % 20 == 0:  # 5 % move on each of the two days
                for day in (DAY, DAY + timedelta(days=1)):
                    amount = rng.randrange(1_000, 100_000) * rng.choice((1, -1))
                    moves.append(
                        {
                            "account_id": livret_id,
                            "day": day,
                            "kind": "deposit" if amount > 0 else "withdrawal",
                            "amount": amount,
                            "transfer_id": None,
                            "created_at": now,
                        }
                    )
        for start in range(0, count, 5_000):
            session.execute(insert(Customer), customers[start : start + 5_000])
            session.execute(insert(Account), accounts[start : start + 5_000])
            session.execute(insert(SavingsAccount), livrets[start : start + 5_000])
        for start in range(0, len(moves), 5_000):
            session.execute(insert(SavingsMovement), moves[start : start + 5_000])
        uow.commit()


def run(backend: str, count: int) -> dict[str, Any]:
    from app.clock import FrozenClock, SystemClock, clock
    from app.db import transaction
    from app.savings.accrual import accrue_day

    clock.use(FrozenClock(datetime(2027, 4, 1, 9, tzinfo=UTC)))
    try:
        with database_at_head(backend, "bench_savings") as url:
            app = bench_app(url)
            runtime = app.extensions["postcash"]
            with app.app_context():
                started = time.perf_counter()
                _setup(runtime, count)
                setup_s = time.perf_counter() - started
                timings = []
                for day in (DAY, DAY + timedelta(days=1), DAY + timedelta(days=1)):
                    started = time.perf_counter()
                    with transaction(runtime) as session:
                        row = accrue_day(session, day)
                        accounts = row.accounts if row is not None else 0
                    timings.append((time.perf_counter() - started, accounts))
            runtime.database.dispose()
    finally:
        clock.use(SystemClock())
    return {"backend": backend, "count": count, "setup_s": setup_s, "timings": timings}


def main() -> None:
    count = env_int("BENCH_SAVINGS_ACCOUNTS", 100_000)
    backends = os.environ.get("BENCH_BACKENDS", "postgresql").split(",")
    print(f"savings daily accrual: {count} livrets, one set-based pass per day (goal < 30 s)")
    for backend in backends:
        r = run(backend.strip(), count)
        (start_s, start_n), (day_s, day_n), (again_s, _again_n) = r["timings"]
        worst = max(start_s, day_s)
        print(
            f"  {r['backend']:<10} setup {r['setup_s']:6.1f} s"
            f" | fortnight's first day {start_s:6.2f} s ({start_n} livrets)"
            f" | ordinary day {day_s:6.2f} s ({day_n} livrets)"
            f" | rerun {again_s:6.3f} s"
            f" {'(goal < 30 s met)' if worst < 30 else '(goal < 30 s missed)'}"
        )


if __name__ == "__main__":
    main()
