"""Postal savings: a simulated year, the clock advanced day by day over 1 000 livrets
with random deposits and withdrawals, then the year-end capitalisation.

Each morning the interest sweep runs (``workers.savings.accrue_interest``, as the
worker would); later that day the planned deposits (wallet → livret) and
withdrawals (livret → wallet, through the payment skeleton) are made, each in
its own unit of work. On 1 January the sweep capitalises the year. The run
ends with ``flask ledger check`` green and each livret's capitalised interest
equal to the pure quinzaine function's figure (``app/savings/quinzaine.py``).

``simulate`` is shared with tests/integration/test_savings_year.py, which runs a
smaller year in the suite. ``BENCH_SAVINGS_YEAR_ACCOUNTS`` (default 1 000) and
``BENCH_BACKENDS`` (default ``sqlite``) change the run.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

YEAR = 2027
WALLET = 2_000_000
MOVES_PER_ACCOUNT = 4  # after the opening deposit


@dataclass
class YearResult:
    accounts: int
    movements: int
    seconds: float
    gross: int
    tax: int
    mismatches: list[dict[str, Any]] = field(default_factory=list)
    checks_failed: list[str] = field(default_factory=list)


def _local(day: date, hour: int) -> datetime:
    from app.clock import LOCAL_TZ

    return datetime(day.year, day.month, day.day, hour, tzinfo=LOCAL_TZ).astimezone(UTC)


def _set_clock(day: date, hour: int) -> None:
    from app.clock import FrozenClock, clock

    source = clock.source
    if not isinstance(source, FrozenClock):
        raise RuntimeError("the simulated year needs the frozen clock")
    source.set(_local(day, hour))


def _customers(session: Any, count: int) -> list[str]:
    """``count`` full-tier customers with ``WALLET`` each, inserted in bulk (the set-up,
    not what is simulated)."""
    from app import ledger
    from app.clock import clock
    from app.customers.models import Customer
    from app.ledger import chart
    from app.ledger.models import Account
    from bench.databases import liability_account_row

    now = clock.now()
    ids = [str(uuid.uuid4()) for _ in range(count)]
    session.execute(
        insert(Customer),
        [
            {
                "id": cid,
                "msisdn": f"+24205{i:07d}",
                "first_name": "Epargnant",
                "last_name": "Simulation",
                "language": "fr",
                "kyc_tier": "full",
                "status": "active",
                "failed_pin_attempts": 0,
                "pin_hash": "simulation-no-pin",
                "created_at": now,
                "updated_at": now,
            }
            for i, cid in enumerate(ids)
        ],
    )
    session.execute(
        insert(Account),
        [liability_account_row(chart.wallet(cid), now) for cid in ids],
    )
    ledger.post_entries(
        session,
        [
            ledger.Draft(
                key=f"simulation:fund:{cid}",
                kind="opening_balance",
                legs=[
                    ledger.debit(chart.TRUST_BANK, WALLET),
                    ledger.credit(chart.wallet(cid), WALLET),
                ],
            )
            for cid in ids
        ],
    )
    return ids


def _plan(rng: random.Random, customer_ids: list[str]) -> dict[date, list[tuple[str, int]]]:
    """Per day, the (customer, signed amount) movements: an opening deposit in the first
    half of the year, then random deposits and withdrawals never above the balance."""
    plan: dict[date, list[tuple[str, int]]] = {}
    start = date(YEAR, 1, 1)
    for cid in customer_ids:
        opening = start + timedelta(days=rng.randrange(0, 182))
        later = sorted(
            opening + timedelta(days=rng.randrange(1, (date(YEAR, 12, 31) - opening).days + 1))
            for _ in range(MOVES_PER_ACCOUNT)
        )
        balance = rng.randrange(5_000, 500_000)
        plan.setdefault(opening, []).append((cid, balance))
        for day in later:
            if balance > 1_000 and rng.random() < 0.4:
                amount = -rng.randrange(1, balance // 1_000 + 1) * 1_000
            else:
                amount = rng.randrange(1, 200) * 1_000
            balance += amount
            plan.setdefault(day, []).append((cid, amount))
    return plan


def simulate(app: Any, accounts_count: int, seed: int = 2027) -> YearResult:
    """The year of ``accounts_count`` livrets in ``app`` (its database freshly seeded)."""
    from app.customers.service import get_customer
    from app.db import transaction
    from app.ledger.checks import run_checks
    from app.savings import accounts as savings_accounts
    from app.savings import movements as savings_movements
    from app.savings.models import Capitalisation, SavingsAccount, SavingsMovement
    from app.savings.quinzaine import Movement, yearly_interest
    from app.transfers import pending
    from app.transfers.p2p import TRANSFERS
    from workers.savings import accrue_interest

    runtime = app.extensions["postcash"]
    rng = random.Random(seed)
    started = time.perf_counter()
    with app.app_context():
        _set_clock(date(YEAR, 1, 1), 8)
        with transaction(runtime) as session:
            customer_ids = _customers(session, accounts_count)
            livret_of = {
                cid: savings_accounts.open_savings_account(
                    session, get_customer(session, cid), "livret"
                ).id
                for cid in customer_ids
            }
        plan = _plan(rng, customer_ids)
        made: dict[str, list[Movement]] = {cid: [] for cid in customer_ids}
        count = 0
        day = date(YEAR, 1, 1)
        while day <= date(YEAR + 1, 1, 1):
            _set_clock(day, 9)
            accrue_interest()
            _set_clock(day, 11)
            for cid, amount in plan.get(day, []) if day.year == YEAR else []:
                with transaction(runtime) as session:
                    customer = get_customer(session, cid)
                    if amount > 0:
                        savings_movements.deposit_from_wallet(
                            session, customer, livret_of[cid], amount=amount
                        )
                    else:
                        order = savings_movements.SavingsWithdrawalOrder(
                            amount=-amount, account_id=livret_of[cid]
                        )
                        TRANSFERS.complete(session, pending.place(session, customer, order))
                made[cid].append(Movement(day, amount))
                count += 1
            day += timedelta(days=1)
        seconds = time.perf_counter() - started
        result = YearResult(accounts_count, count, seconds, 0, 0)
        with transaction(runtime) as session:
            cap = session.get(Capitalisation, date(YEAR, 12, 31))
            assert cap is not None  # the sweep of 1 January capitalised the year
            result.gross, result.tax = cap.gross, cap.tax
            credited = dict(
                session.execute(
                    select(SavingsMovement.account_id, SavingsMovement.amount).where(
                        SavingsMovement.kind == "interest"
                    )
                ).all()
            )
            tax_bp = 1_500
            for cid in customer_ids:
                gross = yearly_interest(made[cid], YEAR, 250)
                net = gross - gross * tax_bp // 10_000
                got = credited.get(livret_of[cid], 0)
                if got != net:
                    result.mismatches.append({"account": livret_of[cid], "net": net, "got": got})
            expected_gross = sum(yearly_interest(m, YEAR, 250) for m in made.values())
            if expected_gross != cap.gross:
                result.mismatches.append({"gross": expected_gross, "capitalised": cap.gross})
            assert session.scalar(select(SavingsAccount.id).limit(1)) is not None
            result.checks_failed = [r.name for r in run_checks(session) if not r.ok]
    return result


def main() -> None:
    from app.clock import FrozenClock, SystemClock, clock
    from app.seed import seed
    from bench.databases import (
        bench_app,
        database_at_head,
    )

    count = int(os.environ.get("BENCH_SAVINGS_YEAR_ACCOUNTS") or 1_000)
    backends = os.environ.get("BENCH_BACKENDS", "sqlite").split(",")
    print(f"savings simulated year: {count} livrets, day by day, then capitalisation")
    for backend in backends:
        clock.use(FrozenClock(_local(date(YEAR, 1, 1), 8)))
        try:
            with database_at_head(backend.strip(), "bench_savings_year") as url:
                app = bench_app(url)
                runtime = app.extensions["postcash"]
                with runtime.unit_of_work() as uow:
                    seed(uow.session, demo=False)
                    uow.commit()
                r = simulate(app, count)
                runtime.database.dispose()
        finally:
            clock.use(SystemClock())
        print(
            f"  {backend.strip():<10} {r.movements} movements, {r.seconds:6.1f} s;"
            f" capitalised gross {r.gross}, tax {r.tax};"
            f" {len(r.mismatches)} livrets differ from the pure function;"
            f" ledger check {'green' if not r.checks_failed else r.checks_failed}"
        )


if __name__ == "__main__":
    main()
