"""Posting entries: immediate, two-phase (hold → post | void) and reversals.

Write path of one entry on PostgreSQL (round trips in brackets):

1. check the legs: at least two, positive integer amounts, known sides;
2. one statement (``journal.write_checked_entry``) [1] locks, in id order,
   every account of the entry that may not overdraw, checks that every code
   exists, that the legs balance per currency and that no account is lowered
   below what it has available or while frozen, and only then inserts the
   entry, its postings and the locked accounts' totals; Python reads the rows
   it found to name a refusal or a replay (``_write_in_one``);
3. the unit of work commits [1]: the increments of the accounts that may
   overdraw (fees: hot rows) travel with the COMMIT (``deferred.py``), and a
   trigger re-checked at the INSERT that the entry balances (0010).

SQLite, and PostgreSQL for an account opened since the statement's snapshot,
take the stepwise path: resolve the accounts (``refs.py``), lock and check
(``locks.py``), write (``journal.write_entry``).

A refused write (insufficient funds, frozen account, conflict, invalid legs)
writes nothing, so the caller may still commit the rest of its work (a domain
error with ``commit=True``). A refusal first looks for the idempotency key: the
retry of an entry that went through returns it, even when the balance would no
longer allow it.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from app.clock import clock
from app.errors import AccountFrozen, DomainError, InsufficientFunds
from app.ledger.deferred import defer, defers
from app.ledger.errors import (
    AlreadyReversed,
    EntryNotFound,
    EntryNotPending,
    HoldExpired,
    IdempotencyConflict,
    InvalidEntry,
    UnbalancedEntry,
)
from app.ledger.journal import (
    NewPosting,
    Settled,
    Totals,
    account_statuses,
    add_totals,
    entry_postings,
    entry_state,
    find_by_key,
    forget_loaded,
    reversal_of,
    settle_pending,
    write_checked_entry,
    write_entry,
)
from app.ledger.locks import LockedAccount, claim_pending_entry, lock_accounts, lock_order
from app.ledger.models import Account, Entry
from app.ledger.refs import AccountRef, cached, remember, resolve

DEBIT = "debit"
CREDIT = "credit"
# Far above any real amount (10^15 FCFA), far below what a BIGINT total can hold.
MAX_AMOUNT = 10**15


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
    """Reserve funds: a pending entry, later posted or voided, that expires at ``expires_at``."""
    if not isinstance(expires_at, datetime) or expires_at.tzinfo is None:
        raise InvalidEntry("a hold needs an aware expiry datetime")
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
    """Commit a pending entry. Refused once voided or posted, or past its expiry."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        settled = settle_pending(connection, entry_id, to_posted=True, now=clock.now())
        if settled is not None:
            return _settled(session, connection, settled, to_posted=True)
        claimed = None
    else:
        claimed = claim_pending_entry(connection, entry_id, "posted", now=clock.now())
    if claimed is None:
        state = entry_state(connection, entry_id)
        if state is None:
            raise EntryNotFound(f"no entry {entry_id}")
        if state.status == "pending":
            raise HoldExpired(f"entry {entry_id} expired at {state.expires_at.isoformat()}")
        raise EntryNotPending(f"entry {entry_id} is {state.status}")
    _settle(session, entry_id, to_posted=True)
    return PostedEntry(
        claimed.id, claimed.idempotency_key, claimed.kind, "posted", claimed.reference, False
    )


def void_pending(session: Session, entry_id: int, reason: str) -> PostedEntry:
    """Release a pending entry's reservation (cancelled, failed or expired)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        settled = settle_pending(
            connection, entry_id, to_posted=False, now=clock.now(), reason=reason[:200]
        )
        if settled is not None:
            return _settled(session, connection, settled, to_posted=False)
        claimed = None
    else:
        claimed = claim_pending_entry(
            connection, entry_id, "voided", now=clock.now(), reason=reason[:200]
        )
    if claimed is None:
        state = entry_state(connection, entry_id)
        if state is None:
            raise EntryNotFound(f"no entry {entry_id}")
        raise EntryNotPending(f"entry {entry_id} is {state.status}")
    _settle(session, entry_id, to_posted=False)
    return PostedEntry(
        claimed.id, claimed.idempotency_key, claimed.kind, "voided", claimed.reference, False
    )


def reverse_entry(
    session: Session, entry_id: int, *, key: str, reason: str, kind: str = "reversal"
) -> PostedEntry:
    """Post the compensating entry of a posted one, linked to it; refused if it would overdraw.

    An entry is reversed at most once; the retry of a reversal with its own key
    returns it.
    """
    connection = session.connection()
    original = entry_state(connection, entry_id)
    if original is None:
        raise EntryNotFound(f"no entry {entry_id}")
    if original.status != "posted":
        raise EntryNotPending(f"entry {entry_id} is {original.status}, only posted entries reverse")
    existing = reversal_of(connection, entry_id)
    if existing is not None and existing.idempotency_key != key:
        raise AlreadyReversed(f"entry {entry_id} was reversed by entry {existing.id}")
    legs = reversal_legs(session, entry_id)
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


def reversal_legs(session: Session, entry_id: int) -> list[Leg]:
    """The legs ``reverse_entry`` would post for ``entry_id``: each of its legs on the
    other side. Lets a caller see whom a reversal credits before posting it."""
    return [
        Leg(p.code, CREDIT if p.side == DEBIT else DEBIT, p.amount)
        for p in entry_postings(session.connection(), entry_id)
    ]


def entry_fingerprint(kind: str, legs: list[Leg]) -> str:
    """What makes two writes with one idempotency key the same entry: kind and legs."""
    canonical = json.dumps(
        [kind, sorted((leg.account, leg.side, leg.amount) for leg in legs)],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


# -- shared with bulk.py, then internals ----------------------------------------


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
    check_fields(key, kind, reference)
    check_legs(legs)
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        written = _write_in_one(
            session,
            connection,
            key=key,
            kind=kind,
            legs=legs,
            reference=reference,
            meta=meta,
            pending=pending,
            expires_at=expires_at,
            reverses_id=reverses_id,
        )
        if written is not None:
            return written
    locked, refs = lock_and_resolve(session, {leg.account for leg in legs})
    check_balanced(legs, refs)
    fingerprint = entry_fingerprint(kind, legs)
    totals = leg_totals(legs, refs, pending)
    by_id = {ref.id: ref for ref in refs.values()}

    refusal = _refusal(connection, refs, totals, locked)
    if refusal is not None:
        return _replay(connection, key, fingerprint, otherwise=refusal)

    now = clock.now()
    status = "pending" if pending else "posted"
    order = sorted(totals, key=lambda aid: lock_order(by_id[aid].allow_overdraft, aid))
    entry_id = write_entry(
        connection,
        {
            "key": key,
            "fingerprint": fingerprint,
            "kind": kind,
            "reference": reference,
            "status": status,
            "created_at": now,
            "posted_at": None if pending else now,
            "expires_at": expires_at,
            "meta": meta,
            "reverses_id": reverses_id,
        },
        [
            NewPosting(refs[leg.account].id, leg.side, leg.amount, refs[leg.account].currency)
            for leg in legs
        ],
        [totals[aid] for aid in order if not by_id[aid].allow_overdraft],
    )
    if entry_id is None:
        # The key exists (a replay), or the original was reversed meanwhile.
        return _replay(
            connection,
            key,
            fingerprint,
            otherwise=AlreadyReversed(f"entry {reverses_id} was already reversed"),
        )
    add_unlocked(session, connection, [totals[aid] for aid in order if by_id[aid].allow_overdraft])
    forget_loaded(session, Account, order)
    return PostedEntry(entry_id, key, kind, status, reference, False)


def _write_in_one(
    session: Session,
    connection: Connection,
    *,
    key: str,
    kind: str,
    legs: list[Leg],
    reference: str | None,
    meta: dict[str, Any] | None,
    pending: bool,
    expires_at: datetime | None,
    reverses_id: int | None,
) -> PostedEntry | None:
    """PostgreSQL: lock, check and write the entry in one statement (``journal.py``).

    The statement decides in SQL; this function reads what it found and says
    why nothing was written with the rules of the stepwise path (the same
    errors, in the same order), and queues the increments of the accounts it
    did not lock for the COMMIT. ``None`` hands the write to the stepwise path:
    an account opened by another transaction since the statement's snapshot,
    or an outcome the two paths would not agree on (never seen; the stepwise
    path then decides under the locks this statement already holds).
    """
    fingerprint = entry_fingerprint(kind, legs)
    now = clock.now()
    status = "pending" if pending else "posted"
    entry_id, accounts = write_checked_entry(
        connection,
        {
            "key": key,
            "fingerprint": fingerprint,
            "kind": kind,
            "reference": reference,
            "status": status,
            "created_at": now,
            "posted_at": None if pending else now,
            "expires_at": expires_at,
            "meta": meta,
            "reverses_id": reverses_id,
        },
        [(leg.account, leg.side, leg.amount) for leg in legs],
        pending,
    )
    codes = {leg.account for leg in legs}
    if len(accounts) < len(codes):  # nothing written
        resolve(session, codes - {a.code for a in accounts})  # AccountNotFound, or opened since
        return None
    refs = {
        a.code: AccountRef(a.id, a.code, a.normal, a.currency, bool(a.allow_overdraft))
        for a in accounts
    }
    check_balanced(legs, refs)
    totals = leg_totals(legs, refs, pending)
    locked = {a.code: a for a in accounts if not a.allow_overdraft}
    statuses = {a.id: a for a in accounts}
    refusal = _refusal(connection, refs, totals, locked, statuses)
    if entry_id is None:
        if refusal is not None:
            return _replay(connection, key, fingerprint, otherwise=refusal)
        existing = find_by_key(connection, key)
        if existing is not None or reverses_id is not None:
            return _replay(
                connection,
                key,
                fingerprint,
                otherwise=AlreadyReversed(f"entry {reverses_id} was already reversed"),
            )
        return None
    if refusal is not None:  # written although Python refuses it: never let it commit
        raise RuntimeError(f"ledger write of {key!r} disagrees with its checks: {refusal}")
    remember(session, [ref for ref in refs.values() if ref.allow_overdraft])
    overdraft = {a.id: bool(a.allow_overdraft) for a in accounts}
    order = sorted(totals, key=lambda aid: lock_order(overdraft[aid], aid))
    add_unlocked(session, connection, [totals[aid] for aid in order if overdraft[aid]])
    forget_loaded(session, Account, order)
    return PostedEntry(entry_id, key, kind, status, reference, False)


def lock_and_resolve(
    session: Session, codes: set[str]
) -> tuple[dict[str, LockedAccount], dict[str, AccountRef]]:
    """Lock the accounts of ``codes`` that may not overdraw (id order) and resolve all.

    Accounts known to allow overdraft are neither locked nor checked; every
    other code goes to the lock, which also tells what the account is.
    """
    connection = session.connection()
    unguarded = {code: ref for code, ref in cached(session, codes).items() if ref.allow_overdraft}
    locked = lock_accounts(connection, codes - unguarded.keys())
    refs = {code: ref_of(row) for code, row in locked.items()} | unguarded
    if len(refs) < len(codes):
        refs |= resolve(session, codes - refs.keys())
        late = {code for code, ref in refs.items() if not ref.allow_overdraft} - locked.keys()
        if late:  # opened by another transaction since the lock query: lock them too
            locked |= lock_accounts(connection, late)
    return locked, refs


def add_unlocked(session: Session, connection: Connection, totals: list[Totals]) -> None:
    """Totals of accounts that may overdraw: at commit on PostgreSQL, at once on SQLite."""
    if not totals:
        return
    if defers(connection):
        defer(session, connection, totals)
    else:
        add_totals(connection, totals)


def ref_of(row: Any) -> AccountRef:
    return AccountRef(row.id, row.code, row.normal, row.currency, False)


KEY_MAX = 255


def entry_key(*parts: str) -> str:
    """An entry's idempotency key made of ``parts`` joined by ``:``, within ``KEY_MAX``.

    The last part is often a client's own Idempotency-Key (up to 255 characters
    by API.md): when the whole would be too long, that part is replaced by its
    SHA-256, so keys that always fitted keep their old form (and their replays).
    """
    key = ":".join(parts)
    if len(key) <= KEY_MAX:
        return key
    digest = hashlib.sha256(parts[-1].encode()).hexdigest()
    return ":".join((*parts[:-1], f"sha256={digest}"))


def check_fields(key: str, kind: str, reference: str | None) -> None:
    if not isinstance(key, str) or not 0 < len(key) <= KEY_MAX:
        raise InvalidEntry("an entry needs an idempotency key of 1-255 characters")
    if not isinstance(kind, str) or not 0 < len(kind) <= 40:
        raise InvalidEntry("an entry needs a kind of 1-40 characters")
    if reference is not None and len(reference) > 64:
        raise InvalidEntry("a reference has at most 64 characters")


def check_legs(legs: list[Leg]) -> None:
    if len(legs) < 2:
        raise InvalidEntry("an entry needs at least two legs")
    for leg in legs:
        if not isinstance(leg.account, str) or not leg.account:
            raise InvalidEntry(f"a leg names its account by code, got {leg.account!r}")
        amount = leg.amount
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise InvalidEntry(f"leg amount must be a positive integer, got {amount!r}")
        if amount > MAX_AMOUNT:
            raise InvalidEntry(f"leg amount {amount} is beyond any real amount")
        if leg.side not in (DEBIT, CREDIT):
            raise InvalidEntry(f"unknown side {leg.side!r}")


def check_balanced(legs: list[Leg], refs: dict[str, AccountRef]) -> None:
    totals: dict[str, int] = defaultdict(int)
    for leg in legs:
        totals[refs[leg.account].currency] += leg.amount if leg.side == DEBIT else -leg.amount
    unbalanced = {currency: diff for currency, diff in totals.items() if diff != 0}
    if unbalanced:
        raise UnbalancedEntry(f"debits and credits differ per currency: {unbalanced}")


def leg_totals(legs: list[Leg], refs: dict[str, AccountRef], pending: bool) -> dict[int, Totals]:
    totals: dict[int, Totals] = {}
    for leg in legs:
        account_id = refs[leg.account].id
        t = totals.get(account_id)
        if t is None:
            t = totals[account_id] = Totals(account_id)
        if leg.side == DEBIT:
            if pending:
                t.debits_pending += leg.amount
            else:
                t.debits_posted += leg.amount
        elif pending:
            t.credits_pending += leg.amount
        else:
            t.credits_posted += leg.amount
    return totals


def reduces_available(ref: AccountRef, t: Totals) -> int:
    """How much the entry lowers this account's available balance (0 if it does not).

    Available counts pending debits of a credit-normal account (pending credits
    of a debit-normal one) but not pending receipts.
    """
    if ref.normal == "credit":
        return max(0, t.debits_posted + t.debits_pending - t.credits_posted)
    return max(0, t.credits_posted + t.credits_pending - t.debits_posted)


def _refusal(
    connection: Connection,
    refs: dict[str, AccountRef],
    totals: dict[int, Totals],
    locked: dict[str, Any],
    statuses: dict[int, Any] | None = None,
) -> DomainError | None:
    """Why the entry cannot go through, read under the locks; ``None`` when it can.

    Frozen and closed accounts refuse whatever lowers their balance (debits of
    a wallet, credits of the trust bank) and still receive. ``statuses`` (rows
    with ``code`` and ``status`` by account id) saves the query for the unlocked
    accounts when the caller read them already.
    """
    unlocked_debited = []
    for code, ref in sorted(refs.items(), key=lambda item: item[1].id):
        needed = reduces_available(ref, totals[ref.id])
        if needed == 0:
            continue
        if ref.allow_overdraft:
            unlocked_debited.append(ref.id)
            continue
        row = locked[code]
        if row.status != "active":
            return AccountFrozen(f"account {code} is {row.status}")
        if row.normal == "credit":
            available = row.credits_posted - row.debits_posted - row.debits_pending
        else:
            available = row.debits_posted - row.credits_posted - row.credits_pending
        if available < needed:
            return InsufficientFunds(
                f"account {code} has {available} available, needs {needed}", account=code
            )
    if unlocked_debited:
        rows = (
            account_statuses(connection, unlocked_debited)
            if statuses is None
            else [statuses[account_id] for account_id in unlocked_debited]
        )
        for row in rows:
            if row.status != "active":
                return AccountFrozen(f"account {row.code} is {row.status}")
    return None


def _replay(
    connection: Connection, key: str, fingerprint: str, *, otherwise: DomainError
) -> PostedEntry:
    """The first entry written with ``key``; ``otherwise`` is raised if there is none."""
    existing = find_by_key(connection, key)
    if existing is None:
        raise otherwise
    if existing.fingerprint != fingerprint:
        raise IdempotencyConflict(f"idempotency key {key!r} was used for different legs")
    return PostedEntry(
        existing.id,
        existing.idempotency_key,
        existing.kind,
        existing.status,
        existing.reference,
        True,
    )


def _settled(
    session: Session, connection: Connection, settled: Settled, *, to_posted: bool
) -> PostedEntry:
    """After ``settle_pending``: queue the accounts that may overdraw for the COMMIT
    (their increments, as ``_settle`` computes them) and forget what was loaded."""
    unlocked = []
    for account_id, overdraft, debits, credits in settled.accounts:
        if overdraft:
            unlocked.append(
                Totals(
                    account_id,
                    debits_posted=debits if to_posted else 0,
                    credits_posted=credits if to_posted else 0,
                    debits_pending=-debits,
                    credits_pending=-credits,
                )
            )
    add_unlocked(session, connection, unlocked)
    forget_loaded(session, Account, [account_id for account_id, *_ in settled.accounts])
    forget_loaded(session, Entry, [settled.id])
    status = "posted" if to_posted else "voided"
    return PostedEntry(
        settled.id, settled.idempotency_key, settled.kind, status, settled.reference, False
    )


def _settle(session: Session, entry_id: int, *, to_posted: bool) -> None:
    """Move a claimed entry's reservation to posted totals, or release it."""
    connection = session.connection()
    totals: dict[int, Totals] = {}
    overdraft: dict[int, bool] = {}
    for p in entry_postings(connection, entry_id):
        t = totals.get(p.account_id)
        if t is None:
            t = totals[p.account_id] = Totals(p.account_id)
            overdraft[p.account_id] = bool(p.allow_overdraft)
        if p.side == DEBIT:
            t.debits_pending -= p.amount
            t.debits_posted += p.amount if to_posted else 0
        else:
            t.credits_pending -= p.amount
            t.credits_posted += p.amount if to_posted else 0
    order = sorted(totals, key=lambda aid: lock_order(overdraft[aid], aid))
    add_totals(connection, [totals[aid] for aid in order if not overdraft[aid]])
    add_unlocked(session, connection, [totals[aid] for aid in order if overdraft[aid]])
    forget_loaded(session, Account, order)
    forget_loaded(session, Entry, [entry_id])
