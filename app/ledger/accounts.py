"""Opening and finding ledger accounts.

An account's code, type, normal side, currency and overdraft rule are fixed at
opening (a database trigger refuses changes; the write path caches them, see
``refs.py``). Only its status and name change afterwards.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.clock import clock
from app.ledger.deferred import apply_deferred
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

    Safe when two transactions open the same code at once: the second waits for
    the first and returns its account. Re-opening with a different type,
    currency or overdraft rule is a caller bug and raises.
    """
    if type not in ACCOUNT_TYPES:
        raise InvalidEntry(f"unknown account type {type!r}")
    if not code or len(code) > 120:
        raise InvalidEntry("an account code has 1-120 characters")
    existing = find_account(session, code)
    if existing is None:
        session.execute(
            _insert_ignoring_conflict(session)
            .values(
                code=code,
                type=type,
                normal=normal_side(type),
                currency=currency,
                allow_overdraft=(
                    type in _OVERDRAFT_BY_DEFAULT if allow_overdraft is None else allow_overdraft
                ),
                status="active",
                name=name,
                debits_posted=0,
                credits_posted=0,
                debits_pending=0,
                credits_pending=0,
                created_at=clock.now(),
            )
            .on_conflict_do_nothing(index_elements=["code"])
        )
        existing = get_account(session, code)
    if (
        existing.type != type
        or existing.currency != currency
        or (allow_overdraft is not None and existing.allow_overdraft != allow_overdraft)
    ):
        raise InvalidEntry(f"account {code} exists with another type, currency or overdraft rule")
    return existing


def _insert_ignoring_conflict(session: Session) -> Any:
    dialect = session.get_bind().dialect.name
    module: Any = postgresql if dialect == "postgresql" else sqlite
    return module.insert(Account)


def find_account(session: Session, code: str) -> Account | None:
    apply_deferred(session)
    return session.scalar(_by_code(), {"code": code})


@cache
def _by_code() -> Select[Account]:
    # Built once: a payment reads its accounts by code on every transfer.
    return select(Account).where(Account.code == bindparam("code"))


def get_account(session: Session, code: str) -> Account:
    account = find_account(session, code)
    if account is None:
        raise AccountNotFound(f"no account {code}")
    return account


def set_status(session: Session, code: str, status: str) -> Account:
    """Freeze, unfreeze or close an account: then it refuses what lowers its balance."""
    if status not in ("active", "frozen", "closed"):
        raise InvalidEntry(f"unknown account status {status!r}")
    account = get_account(session, code)
    account.status = status
    session.flush()
    return account
