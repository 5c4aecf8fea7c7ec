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
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Date, ForeignKey, Select, bindparam, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from app import ledger
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


@cache
def _counter_of() -> Select[date, int, date, int]:
    # Built once: every payment's limit check runs it (building it cost more CPU than running it).
    return (
        select(
            WalletOutflow.day,
            WalletOutflow.day_total,
            WalletOutflow.month,
            WalletOutflow.month_total,
        )
        .join(Account, Account.id == WalletOutflow.account_id)
        .where(Account.code == bindparam("code"))
    )


def from_counter(session: Session, code: str, now: datetime) -> dict[str, int] | None:
    """Today's and this month's outflow of the wallet ``code`` in one statement, or
    None when the counter cannot say (SQLite, another zone, a row ahead of ``now``)."""
    if not counted(session):
        return None
    today = now.astimezone(ZoneInfo(COUNTER_TIMEZONE)).date()
    month = today.replace(day=1)
    row = session.execute(_counter_of(), {"code": code}).first()
    if row is None:
        return {"daily": 0, "monthly": 0}
    if row.day > today or row.month > month:
        return None
    return {
        "daily": row.day_total if row.day == today else 0,
        "monthly": row.month_total if row.month == month else 0,
    }


# Each counter row against the ledger, in one statement (``flask ledger check`` runs it
# over every wallet): the per-entry net debits of its day and of its month, summed.
_MISMATCHES = text(
    f"""
    WITH nets AS (
        SELECT p.account_id,
               (e.created_at AT TIME ZONE '{COUNTER_TIMEZONE}')::date AS day,
               sum(CASE WHEN p.side = 'debit' THEN p.amount ELSE -p.amount END) AS net
        FROM ledger_postings p
        JOIN ledger_entries e ON e.id = p.entry_id
        JOIN wallet_outflow o ON o.account_id = p.account_id
        WHERE e.status IN ('pending', 'posted') AND e.kind <> 'reversal'
          AND e.reverses_id IS NULL
        GROUP BY p.entry_id, p.account_id, e.created_at
    ),
    sums AS (
        SELECT o.account_id,
               coalesce(sum(n.net) FILTER (WHERE n.day = o.day), 0) AS day_sum,
               coalesce(sum(n.net) FILTER (
                   WHERE date_trunc('month', n.day)::date = o.month), 0) AS month_sum
        FROM wallet_outflow o LEFT JOIN nets n ON n.account_id = o.account_id AND n.net > 0
        GROUP BY o.account_id
    )
    SELECT a.code, o.day, o.day_total, o.month_total, s.day_sum, s.month_sum
    FROM wallet_outflow o
    JOIN sums s ON s.account_id = o.account_id
    JOIN ledger_accounts a ON a.id = o.account_id
    WHERE (o.day_total, o.month_total) <> (s.day_sum, s.month_sum)
    ORDER BY a.code
    LIMIT 100
    """
)


def counters_match(session: Session) -> ledger.CheckResult:
    """Every counter row equals the ledger's outflow of its day and its month."""
    if session.get_bind().dialect.name != "postgresql":
        return ledger.CheckResult(NAME, True, [])
    offending = [
        {
            "account": row.code,
            "day": row.day.isoformat(),
            "counted": [int(row.day_total), int(row.month_total)],
            "ledger": [int(row.day_sum), int(row.month_sum)],
        }
        for row in session.execute(_MISMATCHES)
    ]
    return ledger.CheckResult(NAME, not offending, offending)


def register() -> None:
    ledger.register(NAME, counters_match)
