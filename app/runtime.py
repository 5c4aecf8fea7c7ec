"""What one running application holds: its configuration, database and job queue.

It travels with every session (``session.info["runtime"]``) so domain code can
read settings and enqueue jobs from the session it was given, without importing
Flask or reaching for globals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from app.config import Config
from app.db import Database, UnitOfWork

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
