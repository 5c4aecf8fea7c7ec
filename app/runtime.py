"""What one running application holds: its configuration, database and job queue.

It travels with every session (``session.info["runtime"]``) so domain code can
read settings and enqueue jobs from the session it was given, without importing
Flask or reaching for globals.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.config import Config
from app.db import Database, UnitOfWork
from app.errors import DomainError

if TYPE_CHECKING:
    from app.jobs import JobQueue


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


@contextmanager
def transaction(runtime: Runtime | None = None) -> Iterator[Session]:
    """The edge's unit of work: commit on success, roll back on error.

    A domain error raised with ``commit=True`` (a counted wrong PIN, a payment
    failed after the last OTP attempt) keeps the state it changed: the
    transaction commits, then the error goes on to the channel that reports it.
    """
    rt = runtime or current_runtime()
    with rt.unit_of_work() as uow:
        try:
            yield uow.session
        except DomainError as exc:
            if exc.commit:
                uow.commit()
            raise
        uow.commit()
