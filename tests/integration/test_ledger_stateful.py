"""A random walk through the ledger API, checked against a pure-Python model at every step.

Hypothesis opens accounts, posts, holds, posts and voids holds, reverses,
retries with the same key, reuses a key for other legs, freezes accounts and
moves the clock past expiries. Each step is its own committed unit of work
(a refused step commits too: a refusal must have written nothing). After every
step all ledger invariants hold and every account's four totals and every
entry's status equal the model's.

The ``app`` fixture is per test, and Hypothesis runs many examples in one
test: each example opens its own accounts under a fresh prefix in the same
database, and the invariants, being global, must hold across all of them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from app import ledger
from app.errors import AccountFrozen, DomainError, InsufficientFunds
from app.ledger.chart import TRUST_BANK
from app.ledger.errors import (
    AlreadyReversed,
    EntryNotPending,
    HoldExpired,
    IdempotencyConflict,
)

SETTINGS = settings(
    max_examples=20,
    stateful_step_count=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

ACCOUNT_KINDS = {
    # kind: (type, allow_overdraft)
    "wallet": ("liability", False),
    "float": ("liability", False),
    "fees": ("income", True),
    # debit-normal and may not go below zero (no asset here: every asset but the
    # trust bank would upset the safeguarding identity, as in production)
    "budget": ("expense", False),
}


@dataclass
class ModelAccount:
    normal: str
    allow_overdraft: bool
    status: str = "active"
    totals: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # dp, cp, dq, cq

    def available(self) -> int:
        dp, cp, dq, cq = self.totals
        return cp - dp - dq if self.normal == "credit" else dp - cp - cq


@dataclass
class ModelEntry:
    id: int
    kind: str
    legs: list[tuple[str, str, int]]
    status: str
    expires_at: datetime | None
    replay: Any  # the call that wrote it, made again by a retry
    reversed_by: str | None = None


def apply(model: dict[str, ModelAccount], legs, *, pending: bool, sign: int = 1) -> None:
    for code, side, amount in legs:
        column = (0 if side == "debit" else 1) + (2 if pending else 0)
        model[code].totals[column] += sign * amount


def refusals(
    model: dict[str, ModelAccount], legs, *, pending: bool = False
) -> set[type[DomainError]]:
    """Why the ledger must refuse these legs (with several reasons it may report any).

    An account refuses what lowers its available balance when it is frozen,
    and what takes it below zero when it may not overdraw. Pending receipts do
    not count as available, so a hold can lower an account it also credits.
    """
    after = {
        code: ModelAccount(a.normal, a.allow_overdraft, a.status, list(a.totals))
        for code, a in model.items()
    }
    apply(after, legs, pending=pending)
    reasons: set[type[DomainError]] = set()
    for code in {code for code, _, _ in legs}:
        if after[code].available() >= model[code].available():
            continue
        if model[code].status != "active":
            reasons.add(AccountFrozen)
        elif not model[code].allow_overdraft and after[code].available() < 0:
            reasons.add(InsufficientFunds)
    return reasons


def ledger_machine(runtime, clock) -> type[RuleBasedStateMachine]:
    def committed(call):
        """Run one step in its own unit of work; a refusal is committed too."""
        with runtime.unit_of_work() as uow:
            try:
                result = call(uow.session)
            except DomainError as exc:
                uow.commit()
                return exc
            uow.commit()
            return result

    class LedgerMachine(RuleBasedStateMachine):
        accounts = Bundle("accounts")
        entries = Bundle("entries")
        holds = Bundle("holds")

        def __init__(self) -> None:
            super().__init__()
            self.prefix = uuid.uuid4().hex[:10]
            self.counter = 0
            self.model: dict[str, ModelAccount] = {}
            self.book: dict[str, ModelEntry] = {}

        def fresh(self, what: str) -> str:
            self.counter += 1
            return f"{what}:{self.prefix}-{self.counter}"

        def open(self, kind: str) -> str:
            type_, overdraft = ACCOUNT_KINDS[kind]
            code = self.fresh(kind)
            committed(lambda s: ledger.open_account(s, code, type_, allow_overdraft=overdraft))
            normal = "debit" if type_ in ("asset", "expense") else "credit"
            self.model[code] = ModelAccount(normal, overdraft)
            return code

        @initialize()
        def open_the_fee_account(self) -> None:
            # E-money comes from the one trust bank, shared by every example: the
            # model knows its rules but not its totals, which it does not compare.
            self.bank = TRUST_BANK
            self.model[TRUST_BANK] = ModelAccount("debit", allow_overdraft=True)
            self.fees = self.open("fees")

        @rule(target=accounts, kind=st.sampled_from(sorted(ACCOUNT_KINDS)))
        def open_account(self, kind):
            return self.open(kind)

        def write(self, key, kind, legs, *, pending=False, minutes=5):
            """Post or hold; compare the outcome with the model; return the key if written."""
            expires_at = clock.now() + timedelta(minutes=minutes) if pending else None
            api_legs = [ledger.Leg(code, side, amount) for code, side, amount in legs]

            def call(session):
                if pending:
                    return ledger.hold_entry(
                        session, key=key, kind=kind, legs=api_legs, expires_at=expires_at
                    )
                return ledger.post_entry(session, key=key, kind=kind, legs=api_legs)

            expected = refusals(self.model, legs, pending=pending)
            result = committed(call)
            if expected:
                assert type(result) in expected, (result, expected)
                return None
            assert isinstance(result, ledger.PostedEntry), result
            assert not result.replayed
            apply(self.model, legs, pending=pending)
            status = "pending" if pending else "posted"
            self.book[key] = ModelEntry(result.id, kind, legs, status, expires_at, call)
            return key

        @rule(target=entries, account=accounts, amount=st.integers(1, 5_000))
        def fund(self, account, amount):
            legs = [(self.bank, "debit", amount), (account, "credit", amount)]
            key = self.write(self.fresh("fund"), "fund", legs)
            return key if key else multiple()

        @rule(
            target=entries,
            payer=accounts,
            payee=accounts,
            amount=st.integers(1, 3_000),
            fee=st.integers(0, 100),
        )
        def transfer(self, payer, payee, amount, fee):
            legs = [(payer, "debit", amount + fee), (payee, "credit", amount)]
            if fee:
                legs.append((self.fees, "credit", fee))
            key = self.write(self.fresh("p2p"), "p2p", legs)
            return key if key else multiple()

        @rule(
            target=holds,
            payer=accounts,
            payee=accounts,
            amount=st.integers(1, 3_000),
            minutes=st.integers(1, 10),
        )
        def hold(self, payer, payee, amount, minutes):
            legs = [(payer, "debit", amount), (payee, "credit", amount)]
            key = self.write(self.fresh("hold"), "hold", legs, pending=True, minutes=minutes)
            return key if key else multiple()

        @rule(target=entries, key=holds)
        def post_hold(self, key):
            entry = self.book[key]
            result = committed(lambda s: ledger.post_pending(s, entry.id))
            if entry.status != "pending":
                assert isinstance(result, EntryNotPending), result
                return multiple()
            if clock.now() >= entry.expires_at:
                assert isinstance(result, HoldExpired), result
                return multiple()
            assert (result.id, result.status) == (entry.id, "posted"), result
            apply(self.model, entry.legs, pending=True, sign=-1)
            apply(self.model, entry.legs, pending=False)
            entry.status = "posted"
            return key

        @rule(key=holds)
        def void_hold(self, key):
            entry = self.book[key]
            result = committed(lambda s: ledger.void_pending(s, entry.id, "cancelled"))
            if entry.status != "pending":
                assert isinstance(result, EntryNotPending), result
                return
            assert (result.id, result.status) == (entry.id, "voided"), result
            apply(self.model, entry.legs, pending=True, sign=-1)
            entry.status = "voided"

        @rule(target=entries, original=entries)
        def reverse(self, original):
            entry = self.book[original]
            key = self.fresh("reversal")
            result = committed(
                lambda s: ledger.reverse_entry(s, entry.id, key=key, reason="hypothesis")
            )
            if entry.reversed_by is not None:
                assert isinstance(result, AlreadyReversed), result
                return multiple()
            swapped = [
                (code, "credit" if side == "debit" else "debit", amount)
                for code, side, amount in entry.legs
            ]
            expected = refusals(self.model, swapped)
            if expected:
                assert type(result) in expected, (result, expected)
                return multiple()
            assert isinstance(result, ledger.PostedEntry) and not result.replayed, result
            apply(self.model, swapped, pending=False)
            entry.reversed_by = key
            replay = lambda s: ledger.reverse_entry(s, entry.id, key=key, reason="hypothesis")  # noqa: E731
            self.book[key] = ModelEntry(result.id, "reversal", swapped, "posted", None, replay)
            return key

        @rule(key=st.one_of(entries, holds))
        def retry_with_the_same_key(self, key):
            entry = self.book[key]
            result = committed(entry.replay)
            assert isinstance(result, ledger.PostedEntry), result
            assert (result.id, result.status, result.replayed) == (entry.id, entry.status, True)

        @rule(key=st.one_of(entries, holds))
        def reuse_a_key_for_other_legs(self, key):
            legs = [ledger.debit(self.bank, 1), ledger.credit(self.fees, 1)]
            result = committed(lambda s: ledger.post_entry(s, key=key, kind="probe", legs=legs))
            assert isinstance(result, IdempotencyConflict), result

        @rule(account=accounts, status=st.sampled_from(["frozen", "active", "active"]))
        def set_status(self, account, status):
            committed(lambda s: ledger.set_status(s, account, status))
            self.model[account].status = status

        @rule(minutes=st.integers(1, 8))
        def let_time_pass(self, minutes):
            clock.advance(minutes=minutes)

        @invariant()
        def books_balance_and_match_the_model(self):
            with runtime.unit_of_work() as uow:
                failed = [r for r in ledger.run_checks(uow.session) if not r.ok]
                assert not failed, failed
                rows = uow.session.execute(
                    select(
                        ledger.Account.code,
                        ledger.Account.debits_posted,
                        ledger.Account.credits_posted,
                        ledger.Account.debits_pending,
                        ledger.Account.credits_pending,
                    ).where(ledger.Account.code.in_(self.model), ledger.Account.code != TRUST_BANK)
                ).all()
                assert {r.code: list(r[1:]) for r in rows} == {
                    code: account.totals
                    for code, account in self.model.items()
                    if code != TRUST_BANK
                }
                statuses = dict(
                    uow.session.execute(
                        select(ledger.Entry.idempotency_key, ledger.Entry.status).where(
                            ledger.Entry.idempotency_key.in_(self.book)
                        )
                    ).all()
                )
                assert statuses == {key: entry.status for key, entry in self.book.items()}

    return LedgerMachine


def test_random_operations_keep_every_invariant_and_match_the_model(runtime, clock):
    run_state_machine_as_test(ledger_machine(runtime, clock), settings=SETTINGS)
