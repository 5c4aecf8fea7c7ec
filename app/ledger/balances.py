"""Reading the ledger: balances, statements with running balance, trial balance."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.db.bulk import any_of, key_chunks
from app.errors import ValidationFailed
from app.ledger.accounts import get_account
from app.ledger.deferred import apply_deferred
from app.ledger.errors import AccountNotFound
from app.ledger.models import Account, Entry, Posting

MAX_STATEMENT_PAGE = 500


@dataclass(frozen=True, slots=True)
class Balance:
    posted: int
    pending: int
    available: int
    currency: str


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry_id: int
    kind: str
    reference: str | None
    amount: int  # signed: positive raises the balance
    balance_after: int
    posted_at: datetime
    meta: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Page:
    items: list[Any]
    next_cursor: str | None


_BALANCE_COLUMNS = (
    Account.normal,
    Account.currency,
    Account.debits_posted,
    Account.credits_posted,
    Account.debits_pending,
    Account.credits_pending,
)


def balance(session: Session, code: str) -> Balance:
    """Posted, pending (reserved by holds) and available balance, on the normal side."""
    apply_deferred(session)
    row = session.execute(select(*_BALANCE_COLUMNS).where(Account.code == code)).first()
    if row is None:
        raise AccountNotFound(f"no account {code}")
    return _balance_of(row)


def balances(session: Session, codes: Sequence[str]) -> dict[str, Balance]:
    """The balance of each of ``codes`` that exists, in few queries (bulk receipts)."""
    apply_deferred(session)
    found: dict[str, Balance] = {}
    for chunk in key_chunks(session, sorted(set(codes))):
        rows = session.execute(
            select(Account.code, *_BALANCE_COLUMNS).where(any_of(session, Account.code, chunk))
        )
        found.update({row.code: _balance_of(row) for row in rows})
    return found


def _balance_of(row: Any) -> Balance:
    if row.normal == "credit":
        posted, pending = row.credits_posted - row.debits_posted, row.debits_pending
    else:
        posted, pending = row.debits_posted - row.credits_posted, row.credits_pending
    return Balance(posted, pending, posted - pending, row.currency)


def _signed(account: Account) -> Any:
    sign_debit = 1 if account.normal == "debit" else -1
    return func.sum(
        case(
            (Posting.side == "debit", Posting.amount * sign_debit),
            else_=Posting.amount * -sign_debit,
        )
    )


def encode_cursor(posted_at: datetime, entry_id: int) -> str:
    return base64.urlsafe_b64encode(f"{posted_at.isoformat()}|{entry_id}".encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """``encode_cursor``'s position back; anything we could not have written is refused
    (a time without its zone or outside UTC's calendar, an id that is not a row id)."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        when, entry_id = raw.split("|")
        posted_at = datetime.fromisoformat(when)
        if posted_at.tzinfo is None:
            raise ValueError("no time zone")
        if not (entry_id.isascii() and entry_id.isdigit() and len(entry_id) <= 18):
            raise ValueError("not an entry id")
        return posted_at.astimezone(UTC), int(entry_id)
    except (ValueError, OverflowError, binascii.Error, UnicodeError) as exc:
        raise ValidationFailed({"cursor": ["Invalid cursor."]}) from exc


def statement(
    session: Session,
    code: str,
    *,
    limit: int = 20,
    cursor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page:
    """Posted lines of an account, newest first, each with the balance after it.

    A line is one entry's net effect on the account. The running balance of the
    page's first line is the sum of every line up to it, so a page is consistent
    with itself whatever was posted meanwhile. ``since`` (inclusive) and ``until``
    (exclusive) keep the lines posted in that window; the balances stay those of the
    whole account.
    """
    if not 1 <= limit <= MAX_STATEMENT_PAGE:
        raise ValidationFailed({"limit": [f"Between 1 and {MAX_STATEMENT_PAGE}."]})
    position = decode_cursor(cursor) if cursor else None
    account = get_account(session, code)
    signed = _signed(account)
    per_entry = (
        select(Posting.entry_id, signed.label("amount"))
        .where(Posting.account_id == account.id)
        .group_by(Posting.entry_id)
        .subquery()
    )
    base = (
        select(
            Entry.id,
            Entry.kind,
            Entry.reference,
            Entry.posted_at,
            Entry.meta,
            per_entry.c.amount,
        )
        .join(per_entry, per_entry.c.entry_id == Entry.id)
        .where(Entry.status == "posted")
    )
    if since is not None:
        base = base.where(Entry.posted_at >= since)
    if until is not None:
        base = base.where(Entry.posted_at < until)
    if position is not None:
        before, before_id = position
        base = base.where(
            or_(Entry.posted_at < before, and_(Entry.posted_at == before, Entry.id < before_id))
        )
    rows = session.execute(
        base.order_by(Entry.posted_at.desc(), Entry.id.desc()).limit(limit + 1)
    ).all()
    page, more = rows[:limit], len(rows) > limit
    if not page:
        return Page([], None)
    first = page[0]
    upto = (
        select(signed)
        .select_from(Posting)
        .join(Entry, Posting.entry_id == Entry.id)
        .where(
            Posting.account_id == account.id,
            Entry.status == "posted",
            or_(
                Entry.posted_at < first.posted_at,
                and_(Entry.posted_at == first.posted_at, Entry.id <= first.id),
            ),
        )
    )
    running = int(session.scalar(upto) or 0)  # PostgreSQL sums come back as Decimal
    lines = []
    for row in page:
        lines.append(
            StatementLine(
                row.id, row.kind, row.reference, int(row.amount), running, row.posted_at, row.meta
            )
        )
        running -= int(row.amount)
    last = page[-1]
    return Page(lines, encode_cursor(last.posted_at, last.id) if more else None)


@dataclass(frozen=True, slots=True)
class TrialBalanceRow:
    type: str
    currency: str
    debits: int
    credits: int


def trial_balance(session: Session) -> tuple[list[TrialBalanceRow], bool]:
    """Posted debits and credits per account type and currency; balanced when they net to 0."""
    apply_deferred(session)
    rows = session.execute(
        select(
            Account.type,
            Account.currency,
            func.coalesce(func.sum(Account.debits_posted), 0),
            func.coalesce(func.sum(Account.credits_posted), 0),
        )
        .group_by(Account.type, Account.currency)
        .order_by(Account.currency, Account.type)
    ).all()
    result = [TrialBalanceRow(t, c, int(d), int(cr)) for t, c, d, cr in rows]
    per_currency: dict[str, int] = {}
    for row in result:
        per_currency[row.currency] = per_currency.get(row.currency, 0) + row.debits - row.credits
    return result, all(v == 0 for v in per_currency.values())


def outflow(
    session: Session,
    code: str,
    since: datetime,
    *,
    exclude_kinds: tuple[str, ...] = ("reversal",),
) -> int:
    """Debits (net of credits in the same entries) on an account since ``since``,
    counting pending reservations and posted entries, not voided ones.

    This is what KYC daily and monthly limits measure. Reversals (entries that
    compensate another) are never outflow, whatever their kind.
    """
    account = get_account(session, code)
    debit_sign = 1 if account.normal == "credit" else -1
    per_entry = (
        select(
            func.sum(
                case(
                    (Posting.side == "debit", Posting.amount * debit_sign),
                    else_=-Posting.amount * debit_sign,
                )
            ).label("net")
        )
        .join(Entry, Entry.id == Posting.entry_id)
        .where(
            Posting.account_id == account.id,
            Entry.status.in_(("pending", "posted")),
            Entry.created_at >= since,
            Entry.kind.not_in(exclude_kinds),
            Entry.reverses_id.is_(None),
        )
        .group_by(Entry.id)
        .subquery()
    )
    total = session.scalar(
        select(func.coalesce(func.sum(per_entry.c.net), 0)).where(per_entry.c.net > 0)
    )
    return int(total or 0)


def posted_balance_at(session: Session, code: str, at: datetime) -> int:
    """The account's posted balance as it stood at instant ``at`` (entries posted before it).

    What a post-office teller needs for the opening and closing float of a day.
    """
    account = get_account(session, code)
    total = session.scalar(
        select(func.coalesce(_signed(account), 0))
        .select_from(Posting)
        .join(Entry, Entry.id == Posting.entry_id)
        .where(
            Posting.account_id == account.id,
            Entry.status == "posted",
            Entry.posted_at < at,
        )
    )
    return int(total or 0)
