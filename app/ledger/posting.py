"""Posting entries: immediate, two-phase (hold → post | void) and reversals.

Write path of one entry, in the order that keeps locks short and replays exact:

1. resolve the accounts by code and check the legs balance per currency;
2. insert the entry with ``ON CONFLICT (idempotency_key) DO NOTHING``: a second
   request with the same key gets the first entry back (or a conflict if its
   legs differ) without touching balances; on PostgreSQL a concurrent insert of
   the same key waits for the first transaction and then sees it;
3. lock, in id order, the accounts whose available balance the entry reduces
   and check they can afford it;
4. insert the postings and apply every account's increments in id order.

A ledger error leaves the session with partial work: the unit of work must roll
back (or the caller must have opened a savepoint).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.clock import clock
from app.errors import AccountFrozen, InsufficientFunds
from app.ledger.errors import (
    AccountNotFound,
    AlreadyReversed,
    EntryNotFound,
    EntryNotPending,
    HoldExpired,
    IdempotencyConflict,
    InvalidEntry,
    UnbalancedEntry,
)
from app.ledger.locks import claim_pending_entry, lock_accounts
from app.ledger.models import Account, Entry, Posting

DEBIT = "debit"
CREDIT = "credit"


@dataclass(frozen=True, slots=True)
class Leg:
    account: str
    side: str
    amount: int


def debit(account: str, amount: int) -> Leg:
    return Leg(account, DEBIT, amount)


def credit(account: str, amount: int) -> Leg:
    return Leg(account, CREDIT, amount)


@dataclass(frozen=True, slots=True)
class PostedEntry:
    """What a write returns: enough to link a domain object to its entry."""

    id: int
    idempotency_key: str
    kind: str
    status: str
    reference: str | None
    replayed: bool


@dataclass(frozen=True, slots=True)
class _AccountRef:
    id: int
    code: str
    normal: str
    currency: str
    allow_overdraft: bool
    status: str


_UPDATE_TOTALS = text(
    "UPDATE ledger_accounts SET "
    "debits_posted = debits_posted + :dp, credits_posted = credits_posted + :cp, "
    "debits_pending = debits_pending + :dq, credits_pending = credits_pending + :cq "
    "WHERE id = :id"
)


def post_entry(
    session: Session,
    *,
    key: str,
    kind: str,
    legs: list[Leg],
    reference: str | None = None,
    meta: dict[str, Any] | None = None,
) -> PostedEntry:
    """Post a balanced entry at once."""
    return _write(
        session,
        key=key,
        kind=kind,
        legs=legs,
        reference=reference,
        meta=meta,
        pending=False,
        expires_at=None,
        reverses_id=None,
    )


def hold_entry(
    session: Session,
    *,
    key: str,
    kind: str,
    legs: list[Leg],
    expires_at: datetime,
    reference: str | None = None,
    meta: dict[str, Any] | None = None,
) -> PostedEntry:
    """Reserve funds: a pending entry that is later posted or voided."""
    return _write(
        session,
        key=key,
        kind=kind,
        legs=legs,
        reference=reference,
        meta=meta,
        pending=True,
        expires_at=expires_at,
        reverses_id=None,
    )


def post_pending(session: Session, entry_id: int) -> PostedEntry:
    """Commit a pending entry. Refused once voided, posted, or past its expiry."""
    now = clock.now()
    entry = _get_entry(session, entry_id)
    if entry.status == "pending" and entry.expires_at is not None and entry.expires_at <= now:
        raise HoldExpired(f"entry {entry_id} expired at {entry.expires_at.isoformat()}")
    if not claim_pending_entry(session, entry_id, "posted", posted_at=now):
        session.refresh(entry)
        raise EntryNotPending(f"entry {entry_id} is {entry.status}")
    result = _ref(entry, status="posted", replayed=False)
    session.expire(entry)
    _move_pending(session, entry_id, to_posted=True)
    return result


def void_pending(session: Session, entry_id: int, reason: str) -> PostedEntry:
    """Release a pending entry's reservation."""
    entry = _get_entry(session, entry_id)
    if not claim_pending_entry(
        session, entry_id, "voided", voided_at=clock.now(), void_reason=reason[:200]
    ):
        session.refresh(entry)
        raise EntryNotPending(f"entry {entry_id} is {entry.status}")
    result = _ref(entry, status="voided", replayed=False)
    session.expire(entry)
    _move_pending(session, entry_id, to_posted=False)
    return result


def reverse_entry(
    session: Session, entry_id: int, *, key: str, reason: str, kind: str = "reversal"
) -> PostedEntry:
    """Post the compensating entry of a posted one; refused if it would overdraw."""
    original = _get_entry(session, entry_id)
    if original.status != "posted":
        raise EntryNotPending(f"entry {entry_id} is {original.status}, only posted entries reverse")
    existing = session.scalar(select(Entry).where(Entry.reverses_id == entry_id))
    if existing is not None and existing.idempotency_key != key:
        raise AlreadyReversed(f"entry {entry_id} was reversed by entry {existing.id}")
    legs = [
        Leg(p.account.code, CREDIT if p.side == DEBIT else DEBIT, p.amount)
        for p in original.postings
    ]
    return _write(
        session,
        key=key,
        kind=kind,
        legs=legs,
        reference=original.reference,
        meta={"reason": reason, "reverses": entry_id},
        pending=False,
        expires_at=None,
        reverses_id=entry_id,
    )


def entry_fingerprint(kind: str, legs: list[Leg]) -> str:
    canonical = json.dumps(
        [kind, sorted((leg.account, leg.side, leg.amount) for leg in legs)],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- internals ---------------------------------------------------------------


def _write(
    session: Session,
    *,
    key: str,
    kind: str,
    legs: list[Leg],
    reference: str | None,
    meta: dict[str, Any] | None,
    pending: bool,
    expires_at: datetime | None,
    reverses_id: int | None,
) -> PostedEntry:
    if not key or len(key) > 255:
        raise InvalidEntry("an entry needs an idempotency key of 1-255 characters")
    accounts = _resolve(session, legs)
    _check_balanced(legs, accounts)
    fingerprint = entry_fingerprint(kind, legs)
    now = clock.now()

    entry_id = _insert_entry(
        session,
        {
            "idempotency_key": key,
            "fingerprint": fingerprint,
            "kind": kind,
            "reference": reference,
            "status": "pending" if pending else "posted",
            "created_at": now,
            "posted_at": None if pending else now,
            "expires_at": expires_at,
            "metadata": meta,
            "reverses_id": reverses_id,
        },
    )
    if entry_id is None:
        return _replay(session, key, fingerprint)

    deltas = _deltas(legs, accounts, pending)
    _check_funds(session, legs, accounts, deltas)
    session.execute(
        insert(Posting),
        [
            {
                "entry_id": entry_id,
                "account_id": accounts[leg.account].id,
                "side": leg.side,
                "amount": leg.amount,
                "currency": accounts[leg.account].currency,
            }
            for leg in legs
        ],
    )
    session.execute(_UPDATE_TOTALS, [{"id": aid, **d} for aid, d in sorted(deltas.items())])
    return PostedEntry(entry_id, key, kind, "pending" if pending else "posted", reference, False)


def _resolve(session: Session, legs: list[Leg]) -> dict[str, _AccountRef]:
    if not legs or len(legs) < 2:
        raise InvalidEntry("an entry needs at least two legs")
    for leg in legs:
        if isinstance(leg.amount, bool) or not isinstance(leg.amount, int) or leg.amount <= 0:
            raise InvalidEntry(f"leg amount must be a positive integer, got {leg.amount!r}")
        if leg.side not in (DEBIT, CREDIT):
            raise InvalidEntry(f"unknown side {leg.side!r}")
    codes = {leg.account for leg in legs}
    rows = session.execute(
        select(
            Account.id,
            Account.code,
            Account.normal,
            Account.currency,
            Account.allow_overdraft,
            Account.status,
        ).where(Account.code.in_(codes))
    ).all()
    found = {row.code: _AccountRef(*row) for row in rows}
    missing = codes - found.keys()
    if missing:
        raise AccountNotFound(f"no account {', '.join(sorted(missing))}")
    return found


def _check_balanced(legs: list[Leg], accounts: dict[str, _AccountRef]) -> None:
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        currency = accounts[leg.account].currency
        totals[currency] += leg.amount if leg.side == DEBIT else -leg.amount
    unbalanced = {cur: diff for cur, diff in totals.items() if diff != 0}
    if unbalanced:
        raise UnbalancedEntry(f"debits and credits differ: {unbalanced}")


def _insert_entry(session: Session, values: dict[str, Any]) -> int | None:
    dialect = session.get_bind().dialect.name
    table = Entry.__table__
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table)
    else:
        stmt = sqlite.insert(table)
    stmt = stmt.values(**values).on_conflict_do_nothing(index_elements=["idempotency_key"])
    return session.execute(stmt.returning(table.c.id)).scalar()


def _replay(session: Session, key: str, fingerprint: str) -> PostedEntry:
    existing = session.scalars(select(Entry).where(Entry.idempotency_key == key)).one()
    if existing.fingerprint != fingerprint:
        raise IdempotencyConflict(f"idempotency key {key!r} was used for different legs")
    return _ref(existing, status=existing.status, replayed=True)


def _deltas(
    legs: list[Leg], accounts: dict[str, _AccountRef], pending: bool
) -> dict[int, dict[str, int]]:
    deltas: dict[int, dict[str, int]] = defaultdict(lambda: {"dp": 0, "cp": 0, "dq": 0, "cq": 0})
    for leg in legs:
        column = ("d" if leg.side == DEBIT else "c") + ("q" if pending else "p")
        deltas[accounts[leg.account].id][column] += leg.amount
    return deltas


def _reduces_available(ref: _AccountRef, delta: dict[str, int]) -> int:
    """How much the entry lowers this account's available balance (0 if it does not)."""
    if ref.normal == "credit":
        return max(0, delta["dp"] + delta["dq"] - delta["cp"])
    return max(0, delta["cp"] + delta["cq"] - delta["dp"])


def _check_funds(
    session: Session,
    legs: list[Leg],
    accounts: dict[str, _AccountRef],
    deltas: dict[int, dict[str, int]],
) -> None:
    by_id = {ref.id: ref for ref in accounts.values()}
    debited = {aid for aid, delta in deltas.items() if _reduces_available(by_id[aid], delta) > 0}
    guarded = {aid for aid in debited if not by_id[aid].allow_overdraft}
    for aid in debited - guarded:
        if by_id[aid].status != "active":
            raise AccountFrozen(f"account {by_id[aid].code} is {by_id[aid].status}")
    locked = lock_accounts(session, guarded)
    for aid in sorted(guarded):
        row = locked[aid]
        if row.status != "active":
            raise AccountFrozen(f"account {row.code} is {row.status}")
        if row.normal == "credit":
            available = row.credits_posted - row.debits_posted - row.debits_pending
        else:
            available = row.debits_posted - row.credits_posted - row.credits_pending
        needed = _reduces_available(by_id[aid], deltas[aid])
        if available < needed:
            raise InsufficientFunds(
                f"account {row.code} has {available} available, needs {needed}",
                account=row.code,
            )


def _move_pending(session: Session, entry_id: int, *, to_posted: bool) -> None:
    postings = session.execute(
        select(Posting.account_id, Posting.side, Posting.amount).where(Posting.entry_id == entry_id)
    ).all()
    deltas: dict[int, dict[str, int]] = defaultdict(lambda: {"dp": 0, "cp": 0, "dq": 0, "cq": 0})
    for p in postings:
        d = deltas[p.account_id]
        if p.side == DEBIT:
            d["dq"] -= p.amount
            if to_posted:
                d["dp"] += p.amount
        else:
            d["cq"] -= p.amount
            if to_posted:
                d["cp"] += p.amount
    session.execute(_UPDATE_TOTALS, [{"id": aid, **d} for aid, d in sorted(deltas.items())])


def _get_entry(session: Session, entry_id: int) -> Entry:
    entry = session.get(Entry, entry_id)
    if entry is None:
        raise EntryNotFound(f"no entry {entry_id}")
    return entry


def _ref(entry: Entry, *, status: str, replayed: bool) -> PostedEntry:
    return PostedEntry(
        entry.id, entry.idempotency_key, entry.kind, status, entry.reference, replayed
    )
