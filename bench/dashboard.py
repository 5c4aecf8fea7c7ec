"""The back office's dashboard on a filled database: how long its queries take.

For each backend (``BENCH_BACKENDS``, default ``postgresql``): a throw-away
database migrated to head and seeded, then, inserted in bulk (the bench's set-up,
not what it measures): 20 post offices of 5 agents each, ``BENCH_DASHBOARD_CUSTOMERS``
customers (default 10 000) and ``BENCH_DASHBOARD_TRANSFERS`` completed transfers
(default 100 000) spread over the last 45 days, by type and channel, each with its
ledger entry (postings to wallets, floats, ``fees:*`` and ``commission:agents``),
and 2 000 remittances awaiting payout of every age.

Timed (best and median of ``BENCH_DASHBOARD_RUNS``, default 5, each its own unit of
work): the head office's 30-day dashboard, one office's, and the one-day daily
report for comparison, with the number of SQL statements each sends.
"""

from __future__ import annotations

import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import insert, select

from bench.databases import (
    bench_app,
    database_at_head,
    env_int,
    liability_account_row,
)

OFFICES, AGENTS_PER_OFFICE = 20, 5
DAYS = 45
CHUNK = 5_000
# Entries per INSERT of their postings: one statement each, as the ledger's trigger
# checks that each statement's entries balance; small enough for SQLite's 32 766
# parameters (about 3.3 postings of 5 columns per entry).
ENTRY_CHUNK = 1_500
TYPES = (
    ("p2p", ("api", "ussd", "sms"), 0.45),
    ("cashin", ("agent",), 0.2),
    ("withdrawal", ("agent",), 0.15),
    ("bill", ("api", "ussd", "agent"), 0.1),
    ("merchant", ("api", "ussd"), 0.1),
)


def _fill(runtime: Any, customers: int, transfers: int) -> dict[str, Any]:
    """Offices, agents, customers, transfers with their entries, remittances: in bulk."""
    from app.agents.models import StaffUser
    from app.clock import clock
    from app.customers.models import Customer
    from app.ledger import chart
    from app.ledger.models import Account, Entry, Posting
    from app.remittances.models import Remittance
    from app.seed import seed
    from app.transfers.models import Transfer

    rng = random.Random(19)
    now = clock.now()
    with runtime.unit_of_work() as uow:
        session = uow.session
        seed(session, demo=False)
        agents, accounts = [], []
        for o in range(OFFICES):
            for a in range(AGENTS_PER_OFFICE):
                agent_id = str(uuid.uuid4())
                agents.append(
                    {
                        "id": agent_id,
                        "username": f"agent.{o}.{a}",
                        "role": "agent",
                        "password_hash": "bench",
                        "totp_secret_encrypted": "bench",
                        "post_office": f"Bureau {o}",
                        "post_office_code": f"BZV-{o:02d}",
                        "status": "active",
                        "failed_logins": 0,
                        "created_at": now,
                    }
                )
                accounts.append(
                    liability_account_row(chart.float_account(agent_id), now, 5_000_000)
                )
        people = []
        for i in range(customers):
            person = str(uuid.uuid4())
            people.append(
                {
                    "id": person,
                    "msisdn": f"+24206{i:07d}",
                    "first_name": "Client",
                    "last_name": "Bench",
                    "language": "fr",
                    "kyc_tier": "standard",
                    "status": "active",
                    "failed_pin_attempts": 0,
                    "pin_hash": "bench-no-pin",
                    "created_at": now - timedelta(days=rng.randrange(60), minutes=i % 1440),
                    "updated_at": now,
                }
            )
            accounts.append(liability_account_row(chart.wallet(person), now, 10_000_000))
        session.execute(insert(StaffUser), agents)
        for start in range(0, len(people), CHUNK):
            session.execute(insert(Customer), people[start : start + CHUNK])
        for start in range(0, len(accounts), CHUNK):
            session.execute(insert(Account), accounts[start : start + CHUNK])
        ids = {code: id_ for code, id_ in session.execute(select(Account.code, Account.id))}
        fee_p2p, commission = ids[chart.fees("p2p")], ids[chart.COMMISSION_AGENTS]
        wallets = [ids[chart.wallet(p["id"])] for p in people]
        floats = [(a["id"], ids[chart.float_account(a["id"])]) for a in agents]
        weights = [w for _t, _c, w in TYPES]
        next_entry = 1
        for start in range(0, transfers, ENTRY_CHUNK):
            rows, entries, postings = [], [], []
            for n in range(start, min(start + ENTRY_CHUNK, transfers)):
                kind, channels, _w = rng.choices(TYPES, weights)[0]
                channel = rng.choice(channels)
                at = now - timedelta(minutes=rng.randrange(DAYS * 1440))
                amount = rng.randrange(1, 200) * 500
                agent_id, float_id = rng.choice(floats) if channel == "agent" else (None, None)
                fee = amount // 100 if kind == "p2p" else 0
                comm = amount // 500 if float_id else 0
                entry_id = next_entry
                next_entry += 1
                entries.append(
                    {
                        "id": entry_id,
                        "idempotency_key": f"bench:{n}",
                        "fingerprint": "bench",
                        "kind": kind,
                        "reference": f"B{n:010d}",
                        "status": "posted",
                        "created_at": at,
                        "posted_at": at,
                    }
                )
                payer, payee = rng.sample(wallets, 2)
                legs = [(payer, "debit", amount + fee), (payee, "credit", amount)]
                if fee:
                    legs.append((fee_p2p, "credit", fee))
                if comm:
                    legs += [(commission, "debit", comm), (float_id, "credit", comm)]
                postings += [
                    {"entry_id": entry_id, "account_id": acc, "side": side, "amount": value}
                    | {"currency": "XAF"}
                    for acc, side, value in legs
                ]
                rows.append(
                    {
                        "id": str(uuid.uuid4()),
                        "reference": f"B{n:010d}",
                        "type": kind,
                        "status": "completed",
                        "channel": channel,
                        "amount": amount,
                        "fee": fee,
                        "commission": comm,
                        "currency": "XAF",
                        "initiator_id": "bench",
                        "agent_id": agent_id,
                        "entry_id": entry_id,
                        "created_at": at,
                        "completed_at": at,
                    }
                )
            session.execute(insert(Entry), entries)
            session.execute(insert(Posting).values(postings))
            session.execute(insert(Transfer), rows)
        remittances = []
        for n in range(2_000):
            at = now - timedelta(minutes=rng.randrange(40 * 1440))
            agent_id, _float = rng.choice(floats)
            remittances.append(
                {
                    "id": str(uuid.uuid4()),
                    "reference": f"R{n:010d}",
                    "source": "cash",
                    "status": "awaiting_payout",
                    "channel": "agent",
                    "amount": 25_000,
                    "fee": 500,
                    "fx_fee": 0,
                    "send_commission": 100,
                    "payout_commission": 0,
                    "currency": "XAF",
                    "initiator_id": agent_id,
                    "sender_name": "Expéditeur Bench",
                    "recipient_name": "Destinataire Bench",
                    "recipient_msisdn": f"+24205{n:07d}",
                    "send_agent_id": agent_id,
                    "created_at": at,
                    "confirmed_at": at,
                }
            )
        session.execute(insert(Remittance), remittances)
        uow.commit()
    # Fresh statistics, as autovacuum would gather after such a load: without them the
    # planner takes the new tables for empty and nests loops over 100 000 entries.
    with runtime.database.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()
    return {"office": "BZV-07"}


def _timed(runs: int, fn: Callable[[], Any]) -> tuple[float, float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return min(seconds), statistics.median(seconds)


def run(backend: str, customers: int, transfers: int, runs: int) -> list[str]:
    from app.clock import local_today
    from app.db import transaction
    from app.db.statements import count_statements
    from app.reports import daily_report
    from app.reports.dashboard import dashboard, default_range
    from app.reports.totals import Scope

    with database_at_head(backend, "bench_dashboard") as url:
        flask_app = bench_app(url)
        with flask_app.app_context():
            runtime = flask_app.extensions["postcash"]
            started = time.perf_counter()
            filled = _fill(runtime, customers, transfers)
            setup = time.perf_counter() - started
            first, last = default_range(local_today())
            cases: dict[str, Callable[[Any], Any]] = {
                "head office, 30 days": lambda s: dashboard(s, first, last),
                f"office {filled['office']}, 30 days": lambda s: dashboard(
                    s, first, last, Scope(filled["office"])
                ),
                "daily report, 1 day": lambda s: daily_report(s, last),
            }
            lines = [f"  {backend}: set-up {setup:.1f} s"]
            for name, case in cases.items():

                def once(case: Callable[[Any], Any] = case) -> Any:
                    with transaction(runtime) as session:
                        return case(session)

                with count_statements(runtime.database.engine) as counted:
                    once()
                best, median = _timed(runs, once)
                lines.append(
                    f"    {name:<24} best {best * 1000:7.0f} ms, median {median * 1000:7.0f} ms,"
                    f" {counted.summary()} SQL statements"
                )
            return lines


def main() -> None:
    customers = env_int("BENCH_DASHBOARD_CUSTOMERS", 10_000)
    transfers = env_int("BENCH_DASHBOARD_TRANSFERS", 100_000)
    runs = env_int("BENCH_DASHBOARD_RUNS", 5)
    backends = os.environ.get("BENCH_BACKENDS", "postgresql").split(",")
    print(
        f"back-office dashboard: {transfers} transfers over {DAYS} days, {customers} customers,"
        f" {OFFICES * AGENTS_PER_OFFICE} agents in {OFFICES} offices, 2 000 remittances waiting"
    )
    for backend in backends:
        for line in run(backend.strip(), customers, transfers, runs):
            print(line)


if __name__ == "__main__":
    main()
