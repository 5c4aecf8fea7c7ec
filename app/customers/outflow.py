"""Running outflow counters: what each wallet sent today and this month.

The KYC daily and monthly caps (``limits.check_outgoing``) used to sum the
ledger's postings since the start of the day and of the month on every
payment: two aggregates over a history that grows with the customer's
activity (issue 21). On PostgreSQL one row per wallet now holds both totals
of its latest day and month (Brazzaville time), written by triggers on the
ledger's own tables in the transaction that writes the entry
(``migrations/versions/0028_limit_counters.py``):

* postings inserted: each entry's net debit of a ``wallet:`` account (pending
  or posted, never a reversal: exactly what ``ledger.outflow`` counts) is added
  to the day and month of the entry's ``created_at``; a later day or month
  starts the total again;
* an entry voided (a hold cancelled, failed or expired): its outflow is taken
  back from the day and month it was counted in, if those are still the row's.

So the counter is exact under races by construction: it changes in the same
transaction as the postings, under the row lock of its wallet's row, and a
payment reads it after locking its customer, as it read the sum. Reading it is
one statement. SQLite (the embedded default) keeps the sum, as does any
database whose time zone setting is not the one the triggers were written for,
and a read that finds the row ahead of the clock (a test moving time back).
``counters_match`` (a ledger invariant) compares every row with the sum.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Date, ForeignKey, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from app import ledger
from app.clock import local_day_bounds
from app.db import Base, BigIntPK, settings
from app.ledger import Account

# The zone the triggers of migration 0028 compute days in.
COUNTER_TIMEZONE = "Africa/Brazzaville"
NAME = "wallet_outflow_counters"


class WalletOutflow(Base):
    """The outflow of one wallet account on ``day`` and in ``month`` (its first day)."""

    __tablename__ = "wallet_outflow"

    account_id: Mapped[int] = mapped_column(
        BigIntPK, ForeignKey("ledger_accounts.id"), primary_key=True, autoincrement=False
    )
    day: Mapped[date] = mapped_column(Date)
    day_total: Mapped[int] = mapped_column(BigInteger)
    month: Mapped[date] = mapped_column(Date)
    month_total: Mapped[int] = mapped_column(BigInteger)


def counted(session: Session) -> bool:
    """Whether this database keeps the counters (PostgreSQL, in the triggers' zone)."""
    return (
        session.get_bind().dialect.name == "postgresql"
        and settings(session).TIMEZONE == COUNTER_TIMEZONE
    )


def from_counter(session: Session, code: str, now: datetime) -> dict[str, int] | None:
    """Today's and this month's outflow of the wallet ``code`` in one statement, or
    None when the counter cannot say (SQLite, another zone, a row ahead of ``now``)."""
    if not counted(session):
        return None
    today = now.astimezone(ZoneInfo(COUNTER_TIMEZONE)).date()
    month = today.replace(day=1)
    row = session.execute(
        select(
            WalletOutflow.day,
            WalletOutflow.day_total,
            WalletOutflow.month,
            WalletOutflow.month_total,
        )
        .join(Account, Account.id == WalletOutflow.account_id)
        .where(Account.code == code)
    ).first()
    if row is None:
        return {"daily": 0, "monthly": 0}
    if row.day > today or row.month > month:
        return None
    return {
        "daily": row.day_total if row.day == today else 0,
        "monthly": row.month_total if row.month == month else 0,
    }


def counters_match(session: Session) -> ledger.CheckResult:
    """Every counter row equals the ledger's outflow of its day and month."""
    if session.get_bind().dialect.name != "postgresql":
        return ledger.CheckResult(NAME, True, [])
    tz = ZoneInfo(COUNTER_TIMEZONE)
    offending = []
    rows = session.execute(
        select(WalletOutflow, Account.code).join(Account, Account.id == WalletOutflow.account_id)
    ).all()
    for counter, code in rows:
        day_start, day_end = local_day_bounds(counter.day, tz)
        month_start, _ = local_day_bounds(counter.month, tz)
        next_month = date.fromordinal(counter.month.replace(day=28).toordinal() + 4)
        month_end, _ = local_day_bounds(next_month.replace(day=1), tz)
        day = ledger.outflow(session, code, day_start) - ledger.outflow(session, code, day_end)
        month = ledger.outflow(session, code, month_start) - ledger.outflow(
            session, code, month_end
        )
        if (day, month) != (counter.day_total, counter.month_total):
            offending.append(
                {
                    "account": code,
                    "day": counter.day.isoformat(),
                    "counted": [counter.day_total, counter.month_total],
                    "ledger": [day, month],
                }
            )
    return ledger.CheckResult(NAME, not offending, offending[:100])


def register() -> None:
    ledger.register(NAME, counters_match)
