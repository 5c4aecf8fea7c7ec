"""Hot accounts: the totals of accounts that may overdraw are written at COMMIT.

Every P2P transfer credits ``fees:p2p``; every cash-in debits the same few
commission rows. Those accounts have no overdraft rule, so nothing needs to
read them under a lock: their increments only have to land in the same
transaction. On PostgreSQL the ledger queues them on the connection and sends
them in one query string with the COMMIT itself, so a hot row is locked for the
time the server takes to commit, not for the round trips and the Python of the
rest of the unit of work. With four clients crediting one fee account, that is
the difference between the row serialising all traffic and not. (The trigger
that checks each entry balances runs with the INSERT of its postings, migration
0010, so nothing of it is left for the COMMIT either.)

The queue lives on the DBAPI connection (``Connection.info``) and follows its
transaction: applied before a SAVEPOINT (so a rolled-back savepoint cannot
take older increments with it), dropped on rollback of the transaction or of
the savepoint that queued them, and applied at once before any read of
account totals in the same transaction (the ledger's readers, and any ORM
query or refresh of ``Account``), which therefore never sees them stale.

SQLite needs none of this: its writers are serialised, so the totals are
written at once there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import Pool
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.sql.util import find_tables

from app.ledger.journal import Totals, forget_loaded
from app.ledger.models import Account

_ACCOUNTS = Account.__table__
_QUEUE = "ledger.deferred_totals"  # on the connection: what to write
_QUEUED = "ledger.deferred_totals_queued"  # on the session: whether to look

# The queue holds integers only, computed here, so the statements are written
# out in full and sent as one simple query: one round trip, with the COMMIT.
_ADD_TOTALS = (
    "UPDATE ledger_accounts SET "
    "debits_posted = debits_posted + {:d}, credits_posted = credits_posted + {:d}, "
    "debits_pending = debits_pending + {:d}, credits_pending = credits_pending + {:d} "
    "WHERE id = {:d}"
)


def defers(connection: Connection) -> bool:
    """Whether this backend writes the totals of overdraft accounts at commit.

    It takes psycopg (one query string sent with the COMMIT, the driver then
    finding the transaction closed); any other driver writes them at once.
    """
    return connection.dialect.name == "postgresql" and connection.dialect.driver == "psycopg"


def defer(session: Session, connection: Connection, totals: Sequence[Totals]) -> None:
    """Queue increments for the commit of the connection's transaction."""
    session.info[_QUEUED] = True
    queue: dict[int, list[int]] = connection.info.setdefault(_QUEUE, {})
    for t in totals:
        row = queue.setdefault(t.account_id, [0, 0, 0, 0])
        row[0] += t.debits_posted
        row[1] += t.credits_posted
        row[2] += t.debits_pending
        row[3] += t.credits_pending


def apply_deferred(session: Session) -> None:
    """Write the queued increments now, so that a read in this transaction sees them."""
    if session.info.pop(_QUEUED, False) and session.in_transaction():
        connection = session.connection()
        queue = connection.info.get(_QUEUE)
        if queue:
            forget_loaded(session, Account, list(queue))
            _send(connection, commit=False)


def _send(connection: Connection, *, commit: bool) -> None:
    queue: dict[int, list[int]] = connection.info.pop(_QUEUE)
    # Ascending id: the lock order among accounts that may overdraw (locks.py).
    updates = [_ADD_TOTALS.format(*queue[account_id], account_id) for account_id in sorted(queue)]
    script = ";".join([*updates, "COMMIT"] if commit else updates)
    raw: Any = connection.connection.driver_connection
    try:
        with raw.cursor() as cursor:
            cursor.execute(script, prepare=False)
    except raw.Error as exc:
        # Same exception classes as any statement SQLAlchemy runs (IntegrityError…)
        raise DBAPIError.instance(script, None, exc, type(raw).Error) from exc


@event.listens_for(Engine, "commit")
def _apply_with_the_commit(connection: Connection) -> None:
    # Runs after the ORM's last flush, just before SQLAlchemy asks the driver to
    # COMMIT; the driver's own commit then finds the transaction closed.
    if connection.info.get(_QUEUE):
        _send(connection, commit=True)


@event.listens_for(Engine, "savepoint")
def _apply_before_a_savepoint(connection: Connection, _name: str) -> None:
    if connection.info.get(_QUEUE):
        _send(connection, commit=False)


@event.listens_for(Engine, "rollback_savepoint")
def _drop_with_the_savepoint(connection: Connection, _name: str, _context: Any) -> None:
    if not connection.invalidated:  # a dead connection's queue dies with it (pool reset)
        connection.info.pop(_QUEUE, None)


@event.listens_for(Engine, "rollback")
def _drop_with_the_transaction(connection: Connection) -> None:
    if not connection.invalidated:  # a dead connection's queue dies with it (pool reset)
        connection.info.pop(_QUEUE, None)


@event.listens_for(Session, "do_orm_execute")
def _apply_before_an_orm_read_of_accounts(state: ORMExecuteState) -> None:
    # Whoever reads accounts through the ORM (a select, a subquery, a lazy
    # refresh) in this transaction sees their totals current, not just the
    # ledger's readers; other selects leave the increments for the COMMIT.
    if (
        state.session.info.get(_QUEUED)
        and state.is_select
        and isinstance(state.statement, ClauseElement)  # a select is one
        and _ACCOUNTS in find_tables(state.statement, check_columns=True)
    ):
        apply_deferred(state.session)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_the_flag(session: Session) -> None:
    session.info.pop(_QUEUED, None)


@event.listens_for(Pool, "reset")
def _drop_when_returned_to_the_pool(dbapi_connection: Any, record: Any, _state: Any) -> None:
    record.info.pop(_QUEUE, None)
