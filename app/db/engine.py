"""Engine, declarative base and the unit of work.

One unit of work is one database transaction, opened at the edge (a request, a
job, a command). Domain functions receive its session and never commit; the
edge commits, and only then runs the callbacks registered with ``on_commit``
(enqueueing jobs, sending SMS), so nothing is announced for money that did not
move.

SQLite is the embedded default: every transaction starts with ``BEGIN
IMMEDIATE`` so writers queue behind each other instead of failing when a read
lock cannot be upgraded. PostgreSQL runs at READ COMMITTED; the ledger takes the
row locks it needs (``app/ledger/locks.py``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, Table, create_engine, event
from sqlalchemy.engine import CursorResult, Engine, Result
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# Integer primary keys: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
BigIntPK = BigInteger().with_variant(Integer(), "sqlite")


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: use app.clock")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        # Every model names its ``__tablename__``, so its ``__table__`` is a Table
        # (DeclarativeBase allows any FromClause, for classes mapped to a select).
        __table__: ClassVar[Table]


def make_engine(url: str, **kwargs: Any) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    if "poolclass" not in kwargs:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        kwargs.setdefault("pool_pre_ping", True)
    if "connect_timeout" not in url:  # fail fast rather than hang when the server is gone
        kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", 5)
    return create_engine(url, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide where transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """Holds the engine and session factory of one application."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None

    def configure(self, url: str, info: dict[str, Any] | None = None, **engine_kwargs: Any) -> None:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url, **engine_kwargs)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False, info=info or {})

    def dispose(self) -> None:
        if self.engine is not None:
            self.engine.dispose()

    @property
    def dialect(self) -> str:
        assert self.engine is not None, "database not configured"
        return self.engine.dialect.name


def rows_matched(result: Result[*tuple[Any, ...]]) -> int:
    """How many rows an UPDATE or DELETE run by ``Session.execute`` matched.

    ``Session.execute`` is typed to return a ``Result``; for a DML statement
    without RETURNING it is a ``CursorResult``, the kind that counts rows.
    """
    if not isinstance(result, CursorResult):
        raise TypeError(f"{type(result).__name__} does not count rows (not an UPDATE or DELETE)")
    return result.rowcount


def on_commit(session: Session, callback: Callable[[], object]) -> None:
    """Run ``callback`` once the unit of work holding ``session`` has committed.

    Dropped if the transaction rolls back, so an SMS is never sent for a
    payment that did not happen.
    """
    session.info.setdefault("on_commit", []).append(callback)


class UnitOfWork:
    """One transaction. Rolls back on any exit that did not commit."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        assert self._database.session_factory is not None, "database not configured"
        self.session = self._database.session_factory()
        return self

    def commit(self) -> None:
        self.session.commit()
        callbacks = self.session.info.pop("on_commit", [])
        for callback in callbacks:
            try:
                callback()
            except Exception:  # the money moved; a failed follow-up must not undo the answer
                log.exception("after-commit callback failed")

    def rollback(self) -> None:
        self.session.rollback()
        self.session.info.pop("on_commit", None)

    def __exit__(self, *exc: object) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()


def utcnow() -> datetime:
    """Wall-clock now; domain code uses ``app.clock.now()`` so tests can set time."""
    return datetime.now(UTC)
