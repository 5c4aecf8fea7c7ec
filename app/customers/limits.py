"""KYC limits: what a customer's tier lets their wallet hold and send.

Tiers come from config ``KYC_TIERS`` (XAF): ``balance`` caps the wallet,
``single`` one outgoing payment, ``daily`` and ``monthly`` the outgoing totals
of the calendar day and month in Brazzaville time. Totals are the ledger's
(``ledger.outflow``: posted and still-reserved debits, not voided ones), so
every channel and every payment type counts against the same numbers; on
PostgreSQL they are read from a running counter the ledger's writes keep in
the same transaction (``customers.outflow``), one statement instead of two sums.

Payments call ``check_outgoing`` with their amount and fee before reserving
funds, and ``check_incoming`` for the receiving wallet. Money that comes back
to a customer (a refund, a reversal) is held to the same balance cap: see
"Money coming back and the balance cap" in docs/LEDGER.md for what each path
does when it would not fit (``fits_balance``). The single cap is on the
amount (the number the customer types and the tariff shows: a basic customer
may send 100 000); the daily and monthly caps are on what leaves the wallet,
amount plus fee, as the ledger's outflow already counts past payments.
Both run inside the payment's unit of work and first lock the customer's row
(``customers.locks.lock_customers``, also reachable here) until the commit, so
of two payments racing for one customer's cap the second reads the first's
reservation: they cannot both slip under it. The customer rows are locked before
any ledger row and, when a payment has two customers, both at once in id order,
so two payments between the same people in opposite directions cannot deadlock.
``FOR NO KEY UPDATE``: a row inserted elsewhere that refers to the customer (a
transfer of a bulk payout) takes only a key-share lock, which this does not wait
for. A row the payment already locked (both parties, up front) is not locked a
second time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock, local_day_bounds
from app.customers import outflow
from app.customers.locks import lock_customers
from app.customers.models import Customer
from app.db import settings
from app.errors import LimitExceeded
from app.ledger import chart

__all__ = [
    "balance_room",
    "check_incoming",
    "check_outgoing",
    "fits_balance",
    "limits_for",
    "lock_customers",
    "tier_limits",
    "usage",
]


def tier_limits(session: Session, tier: str) -> dict[str, int]:
    return dict(settings(session).KYC_TIERS[tier])


def _window_starts(session: Session) -> tuple[datetime, datetime]:
    tz = ZoneInfo(settings(session).TIMEZONE)
    local_now = clock.now().astimezone(tz)
    day_start, _ = local_day_bounds(local_now.date(), tz)
    month_start, _ = local_day_bounds(local_now.date().replace(day=1), tz)
    return day_start, month_start


def usage(session: Session, customer: Customer) -> dict[str, int]:
    """Outgoing totals of today and this month (Brazzaville time).

    One statement from the wallet's running counter where the database keeps one
    (``customers.outflow``), else the ledger's sums since the day's and the
    month's start: the same numbers."""
    code = chart.wallet(customer.id)
    counted = outflow.from_counter(session, code, clock.now())
    if counted is not None:
        return counted
    day_start, month_start = _window_starts(session)
    return {
        "daily": ledger.outflow(session, code, day_start),
        "monthly": ledger.outflow(session, code, month_start),
    }


def limits_for(session: Session, customer: Customer) -> dict[str, Any]:
    """The tier's caps, what was used today and this month, and what remains."""
    caps = tier_limits(session, customer.kyc_tier)
    used = usage(session, customer)
    return {
        "tier": customer.kyc_tier,
        "currency": settings(session).CURRENCY,
        "balance": caps["balance"],
        "single": caps["single"],
        "daily": caps["daily"],
        "monthly": caps["monthly"],
        "daily_used": used["daily"],
        "monthly_used": used["monthly"],
        "daily_remaining": max(caps["daily"] - used["daily"], 0),
        "monthly_remaining": max(caps["monthly"] - used["monthly"], 0),
    }


def check_outgoing(session: Session, customer: Customer, amount: int, fee: int = 0) -> None:
    """Refuse a payment of ``amount`` (plus ``fee``) that breaks the single, daily or monthly cap.

    The error names the limit (``limit``: single, daily or monthly) and how much
    may still be sent (``remaining``), so a channel can tell the customer.
    """
    lock_customers(session, customer)
    caps = tier_limits(session, customer.kyc_tier)
    if amount > caps["single"]:
        raise LimitExceeded(
            f"Above the single-transaction limit of {caps['single']} for tier {customer.kyc_tier}.",
            limit="single",
            remaining=caps["single"],
        )
    used = usage(session, customer)
    for window in ("daily", "monthly"):
        remaining = caps[window] - used[window]
        if amount + fee > remaining:
            raise LimitExceeded(
                f"Above the {window} limit of {caps[window]} for tier {customer.kyc_tier}.",
                limit=window,
                remaining=max(remaining, 0),
            )


def balance_room(session: Session, customer: Customer) -> int:
    """How much more the wallet may take before its tier's balance cap (never below 0).

    Counts the posted balance and credits still pending (reserved for this wallet
    by payments not yet confirmed). Locks the customer's row first, so the room
    read here stays true until the commit.
    """
    lock_customers(session, customer)
    cap = tier_limits(session, customer.kyc_tier)["balance"]
    account = ledger.get_account(session, chart.wallet(customer.id))
    session.refresh(account)
    return max(cap - account.posted_balance - account.credits_pending, 0)


def fits_balance(session: Session, customer: Customer, amount: int) -> bool:
    """Whether a credit of ``amount`` keeps the wallet within its balance cap."""
    return amount <= balance_room(session, customer)


def check_incoming(session: Session, customer: Customer, amount: int) -> None:
    """Refuse a credit that would take the wallet above the tier's balance cap.

    Counts the posted balance, credits still pending (reserved for this wallet by
    payments not yet confirmed) and ``amount``.
    """
    room = balance_room(session, customer)
    if amount > room:
        cap = tier_limits(session, customer.kyc_tier)["balance"]
        raise LimitExceeded(
            f"The wallet would exceed the balance limit of {cap} for tier {customer.kyc_tier}.",
            limit="balance",
            remaining=room,
        )
