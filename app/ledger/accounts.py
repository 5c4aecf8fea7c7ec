"""Opening and finding ledger accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import clock
from app.ledger.errors import AccountNotFound, InvalidEntry
from app.ledger.models import ACCOUNT_TYPES, DEBIT_NORMAL_TYPES, Account

# Types whose accounts may go below zero unless the caller says otherwise. Every
# liability (wallets, floats, prefunding) is protected by default.
_OVERDRAFT_BY_DEFAULT = ("asset", "income", "expense", "equity")


def normal_side(account_type: str) -> str:
    return "debit" if account_type in DEBIT_NORMAL_TYPES else "credit"


def open_account(
    session: Session,
    code: str,
    type: str,
    currency: str = "XAF",
    *,
    allow_overdraft: bool | None = None,
    name: str | None = None,
) -> Account:
    """Open an account, or return the existing one with the same code.

    Re-opening with a different type or currency is a caller bug and raises.
    """
    if type not in ACCOUNT_TYPES:
        raise InvalidEntry(f"unknown account type {type!r}")
    existing = session.scalar(select(Account).where(Account.code == code))
    if existing is not None:
        if existing.type != type or existing.currency != currency:
            raise InvalidEntry(f"account {code} exists with another type or currency")
        return existing
    if allow_overdraft is None:
        allow_overdraft = type in _OVERDRAFT_BY_DEFAULT
    account = Account(
        code=code,
        type=type,
        normal=normal_side(type),
        currency=currency,
        allow_overdraft=allow_overdraft,
        status="active",
        name=name,
        debits_posted=0,
        credits_posted=0,
        debits_pending=0,
        credits_pending=0,
        created_at=clock.now(),
    )
    session.add(account)
    session.flush()
    return account


def find_account(session: Session, code: str) -> Account | None:
    return session.scalar(select(Account).where(Account.code == code))


def get_account(session: Session, code: str) -> Account:
    account = find_account(session, code)
    if account is None:
        raise AccountNotFound(f"no account {code}")
    return account


def set_status(session: Session, code: str, status: str) -> Account:
    """Freeze, unfreeze or close an account. Frozen and closed accounts refuse debits."""
    if status not in ("active", "frozen", "closed"):
        raise InvalidEntry(f"unknown account status {status!r}")
    account = get_account(session, code)
    account.status = status
    session.flush()
    return account
