"""Posting many entries in one go: the write path of bulk payouts.

A disbursement batch pays hundreds of lines per transaction, each from the
same payer account. Written one by one (``posting.post_entry``) every line
costs its own lock query, insert and update of the payer's row: two round
trips and a few milliseconds per line, most of the time of a 100 000-line
batch. ``post_entries`` writes a whole list of immediate entries with a fixed
number of statements, whatever its length (PostgreSQL round trips):

1. check every draft (legs, balance per currency, key and kind) [0];
2. lock, in id order, every account of the list that may not overdraw, in one
   query that also returns their totals (``locks.py``) [1];
3. find the keys already used (replays and conflicts) [1];
4. decide each draft in list order against balances kept in memory from the
   locked rows: an earlier draft's spending counts for a later one, exactly as
   if they had been posted one after the other; a refused draft gets its error
   (insufficient funds, frozen account) and writes nothing [0];
5. draw the new entries' ids, insert the entries and their postings, then add
   each locked account's total once (the payer's row is written once per
   call, not once per line) [4]; the totals of accounts that may overdraw
   follow the single path (at COMMIT on PostgreSQL, ``deferred.py``), and
   their status is read once if the list debits any [1].

Results come back in the order of the drafts, each a ``PostedEntry`` (new or
``replayed``) or the ``DomainError`` that refused it, so the caller can record
per line what happened and still commit the rest. A malformed draft (bad legs,
unbalanced, unknown account, one key twice in the list) is a caller's bug: it
raises and nothing is written. The database guards are the same as for one
entry: CHECK constraint against overdraft, balance trigger on the postings'
INSERT (one call for the whole list).

Only immediate posted entries: holds and reversals stay one at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.clock import clock
from app.errors import AccountFrozen, DomainError, InsufficientFunds
from app.ledger.errors import IdempotencyConflict, InvalidEntry
from app.ledger.journal import (
    NewPosting,
    Totals,
    account_statuses,
    add_posted_totals,
    find_by_keys,
    forget_loaded,
    write_posted_entries,
)
from app.ledger.locks import LockedAccount
from app.ledger.models import Account
from app.ledger.posting import (
    Leg,
    PostedEntry,
    add_unlocked,
    check_balanced,
    check_fields,
    check_legs,
    entry_fingerprint,
    leg_totals,
    lock_and_resolve,
    reduces_available,
)
from app.ledger.refs import AccountRef


@dataclass(frozen=True, slots=True)
class Draft:
    """One entry to post: what ``post_entry`` takes, as a value."""

    key: str
    kind: str
    legs: Sequence[Leg]
    reference: str | None = None
    meta: dict[str, Any] | None = None


Result = PostedEntry | DomainError


def post_entries(session: Session, drafts: Sequence[Draft]) -> list[Result]:
    """Post each draft that its accounts can afford, in order; one result per draft."""
    if not drafts:
        return []
    keys = [draft.key for draft in drafts]
    if len(set(keys)) != len(keys):
        raise InvalidEntry("one idempotency key appears twice in a bulk write")
    for draft in drafts:
        check_fields(draft.key, draft.kind, draft.reference)
        check_legs(list(draft.legs))
    connection = session.connection()
    locked, refs = lock_and_resolve(session, {leg.account for d in drafts for leg in d.legs})
    for draft in drafts:
        check_balanced(list(draft.legs), refs)

    existing = find_by_keys(connection, keys)
    ledger = _Balances(locked, refs, _unavailable(connection, drafts, refs))
    results: list[Result | None] = [None] * len(drafts)
    accepted: list[tuple[int, Draft, str, dict[int, Totals]]] = []
    for index, draft in enumerate(drafts):
        fingerprint = entry_fingerprint(draft.kind, list(draft.legs))
        found = existing.get(draft.key)
        if found is not None:
            results[index] = _replayed(found, draft.key, fingerprint)
            continue
        totals = leg_totals(list(draft.legs), refs, pending=False)
        refusal = ledger.refusal(totals)
        if refusal is not None:
            results[index] = refusal
            continue
        ledger.apply(totals)
        accepted.append((index, draft, fingerprint, totals))

    now = clock.now()
    ids = write_posted_entries(
        connection,
        [
            {
                "key": draft.key,
                "fingerprint": fingerprint,
                "kind": draft.kind,
                "reference": draft.reference,
                "meta": draft.meta,
            }
            for _, draft, fingerprint, _ in accepted
        ],
        {
            draft.key: [
                NewPosting(refs[leg.account].id, leg.side, leg.amount, refs[leg.account].currency)
                for leg in draft.legs
            ]
            for _, draft, _, _ in accepted
        },
        now,
    )
    written: dict[int, Totals] = {}
    for index, draft, fingerprint, totals in accepted:
        entry_id = ids.get(draft.key)
        if entry_id is None:  # another transaction wrote this key meanwhile
            raced = find_by_keys(connection, [draft.key]).get(draft.key)
            results[index] = (
                _replayed(raced, draft.key, fingerprint)
                if raced is not None
                else InvalidEntry(f"entry {draft.key!r} could not be written")
            )
            continue
        for account_id, t in totals.items():
            sums = written.setdefault(account_id, Totals(account_id))
            sums.debits_posted += t.debits_posted
            sums.credits_posted += t.credits_posted
        results[index] = PostedEntry(
            entry_id, draft.key, draft.kind, "posted", draft.reference, False
        )

    by_id = {ref.id: ref for ref in refs.values()}
    add_posted_totals(
        connection,
        [written[aid] for aid in sorted(written) if not by_id[aid].allow_overdraft],
    )
    add_unlocked(
        session,
        connection,
        [written[aid] for aid in sorted(written) if by_id[aid].allow_overdraft],
    )
    forget_loaded(session, Account, sorted(written))
    return [result for result in results if result is not None]


class _Balances:
    """Available balances of the locked accounts, as the accepted drafts leave them."""

    def __init__(
        self,
        locked: dict[str, LockedAccount],
        refs: dict[str, AccountRef],
        inactive_unguarded: dict[int, str],
    ) -> None:
        self.refs_by_id = {ref.id: ref for ref in refs.values()}
        self.rows = {row.id: row for row in locked.values()}
        self.available = {
            row.id: (
                row.credits_posted - row.debits_posted - row.debits_pending
                if row.normal == "credit"
                else row.debits_posted - row.credits_posted - row.credits_pending
            )
            for row in locked.values()
        }
        self.inactive_unguarded = inactive_unguarded

    def refusal(self, totals: dict[int, Totals]) -> DomainError | None:
        """Same rules and errors, in the same order, as ``posting._refusal``: the locked
        accounts by id, then the status of those that may overdraw."""
        unguarded_debited = []
        for account_id in sorted(totals):
            ref = self.refs_by_id[account_id]
            needed = reduces_available(ref, totals[account_id])
            if needed == 0:
                continue
            if ref.allow_overdraft:
                unguarded_debited.append(ref)
                continue
            row = self.rows[account_id]
            if row.status != "active":
                return AccountFrozen(f"account {ref.code} is {row.status}")
            available = self.available[account_id]
            if available < needed:
                return InsufficientFunds(
                    f"account {ref.code} has {available} available, needs {needed}",
                    account=ref.code,
                )
        for ref in unguarded_debited:
            status = self.inactive_unguarded.get(ref.id)
            if status is not None:
                return AccountFrozen(f"account {ref.code} is {status}")
        return None

    def apply(self, totals: dict[int, Totals]) -> None:
        for account_id, t in totals.items():
            if account_id not in self.available:
                continue
            if self.refs_by_id[account_id].normal == "credit":
                self.available[account_id] += t.credits_posted - t.debits_posted
            else:
                self.available[account_id] += t.debits_posted - t.credits_posted


def _unavailable(
    connection: Any, drafts: Sequence[Draft], refs: dict[str, AccountRef]
) -> dict[int, str]:
    """The accounts of the drafts that may overdraw and are not active, with their status."""
    unguarded = {
        refs[leg.account].id
        for draft in drafts
        for leg in draft.legs
        if refs[leg.account].allow_overdraft
    }
    if not unguarded:
        return {}
    return {
        row.id: row.status
        for row in account_statuses(connection, sorted(unguarded))
        if row.status != "active"
    }


def _replayed(found: Any, key: str, fingerprint: str) -> Result:
    if found.fingerprint != fingerprint:
        return IdempotencyConflict(f"idempotency key {key!r} was used for different legs")
    return PostedEntry(
        found.id, found.idempotency_key, found.kind, found.status, found.reference, True
    )
