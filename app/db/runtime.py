"""What one running application holds: its configuration, database and job queue.

It travels with every session (``session.info["runtime"]``) so domain code can
read settings and enqueue jobs from the session it was given, without importing
Flask or reaching for globals.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.config import Config
from app.db.engine import Database, UnitOfWork
from app.errors import DomainError

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from app.db.queue import JobQueue


@dataclass
class Runtime:
    config: Config
    database: Database
    queue: JobQueue
    services: dict[str, Any] = field(default_factory=dict)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.database)


def runtime_of(session: Session) -> Runtime:
    runtime = session.info.get("runtime")
    if runtime is None:
        raise RuntimeError("session was not opened by a PostCash unit of work")
    return runtime


def settings(session: Session) -> Config:
    """The configuration of the application this session belongs to."""
    return runtime_of(session).config


def current_runtime() -> Runtime:
    """The runtime of the Flask application in context (channels and workers only)."""
    from flask import current_app

    return current_app.extensions["postcash"]


def unit_of_work() -> UnitOfWork:
    """A unit of work on the application in context (channels and workers only)."""
    return current_runtime().unit_of_work()


# The unit of work an outer layer opened for the ``transaction()`` blocks below it.
_joined: ContextVar[JoinedTransaction | None] = ContextVar("postcash_joined", default=None)


class JoinedTransaction:
    """A unit of work that the ``transaction()`` blocks run inside it join; its opener commits.

    The idempotency layer opens one around a money-moving request, so the stored
    answer commits with the money or not at all: a process killed between the two
    can never leave a payment done whose answer was lost. ``commit()`` detaches
    first, so jobs run after the commit open their own transactions.
    """

    def __init__(self, runtime: Runtime) -> None:
        self._uow = runtime.unit_of_work()
        self.database = runtime.database
        self._token: Any = None
        self.keep_on_error = False  # a joined block raised a DomainError with commit=True

    @property
    def session(self) -> Session:
        return self._uow.session

    def __enter__(self) -> JoinedTransaction:
        self._uow.__enter__()
        self._token = _joined.set(self)
        return self

    def detach(self) -> None:
        if self._token is not None:
            _joined.reset(self._token)
            self._token = None

    def commit(self) -> None:
        self.detach()
        self._uow.commit()

    def rollback(self) -> None:
        self.detach()
        self._uow.rollback()

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.detach()
        try:
            self._uow.__exit__(exc_type, *rest)
        except Exception:
            if exc_type is None:
                raise
            # Rolling back on a connection that is gone can fail too; the error that
            # brought us here is the one to report.
            log.warning("rollback after %s failed", getattr(exc_type, "__name__", exc_type))


@contextmanager
def transaction(runtime: Runtime | None = None) -> Iterator[Session]:
    """The edge's unit of work: commit on success, roll back on error.

    A domain error raised with ``commit=True`` (a counted wrong PIN, a payment
    failed after the last OTP attempt) keeps the state it changed: the
    transaction commits, then the error goes on to the channel that reports it.
    Inside a ``JoinedTransaction`` of the same database the block joins it and
    the opener commits or rolls back.
    """
    rt = runtime or current_runtime()
    joined = _joined.get()
    if joined is not None and joined.database is rt.database:
        try:
            yield joined.session
        except DomainError as exc:
            if exc.commit:
                joined.keep_on_error = True
            raise
        joined.session.flush()
        return
    with rt.unit_of_work() as uow:
        try:
            yield uow.session
        except DomainError as exc:
            if exc.commit:
                uow.commit()
            raise
        uow.commit()


@contextmanager
def lookup(runtime: Runtime | None = None) -> Iterator[Session]:
    """A session for a read that writes nothing and needs no snapshot beyond one
    statement (the token behind every authenticated request).

    On PostgreSQL its connection runs in autocommit: the read costs no BEGIN and
    no COMMIT, two round trips and their CPU on every request (issue 21). On
    SQLite, whose transactions begin with BEGIN IMMEDIATE, and inside a
    ``JoinedTransaction``, it is ``transaction()``. Anything written through it
    would commit at once: use ``transaction()`` for that.
    """
    rt = runtime or current_runtime()
    database = rt.database
    if _joined.get() is not None or database.dialect != "postgresql":
        with transaction(rt) as session:
            yield session
        return
    assert database.engine is not None and database.session_factory is not None
    with (
        database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
        database.session_factory(bind=connection) as session,
    ):
        yield session
