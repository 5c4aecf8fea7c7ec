"""Throw-away databases for benchmarks: created, migrated, dropped after the run, and the
benches' own app on one of them (``database_at_head``, ``bench_app``).

PostgreSQL: a fresh database on the server named by ``BENCH_DATABASE_URL``
(default: the local server). SQLite: a file in a temporary directory.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.config import BASE_DIR
from app.db import make_engine

DEFAULT_PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


# The ledger's own revision: a bench needs only the ledger tables, and does not
# depend on the migrations of every other package being in step.
LEDGER_REVISION = "0001"


def migrate(url: str, revision: str = LEDGER_REVISION) -> None:
    cfg = AlembicConfig(str(BASE_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BASE_DIR / "migrations"))
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    engine.dispose()


@contextmanager
def postgres_database(prefix: str) -> Iterator[str]:
    """Yield the URL of a new, migrated PostgreSQL database; drop it afterwards."""
    server = make_url(os.environ.get("BENCH_DATABASE_URL") or DEFAULT_PG_SERVER)
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = server.set(database=name).render_as_string(hide_password=False)
        migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def sqlite_database(prefix: str) -> Iterator[str]:
    """Yield the URL of a new, migrated SQLite file in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix=f"{prefix}_") as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        migrate(url)
        yield url


@contextmanager
def database_at_head(backend: str, prefix: str) -> Iterator[str]:
    """Yield the URL of a new database of ``backend`` (``postgresql`` or ``sqlite``)
    migrated to the newest revision, for a bench that uses more than the ledger."""
    opener = postgres_database if backend == "postgresql" else sqlite_database
    with opener(prefix) as url:
        migrate(url, "head")
        yield url


def bench_app(url: str, **settings: Any) -> Any:
    """The app on ``url`` as the benches run it: testing settings, no Redis, SMS recorded,
    quiet logs (``settings`` adds or overrides, e.g. ``MAIL_STORAGE_DIR``)."""
    from app import create_app
    from app.config import Config

    config = Config(
        APP_ENV="testing",
        TESTING=True,
        SECRET_KEY="bench-secret-key-0123456789abcdef",
        DATABASE_URL=url,
        REDIS_URL=None,
        SMS_BACKEND="recording",
        LOG_JSON=False,
        LOG_LEVEL="WARNING",
        **settings,
    )
    return create_app(config)


def env_int(name: str, default: int) -> int:
    """A whole number from the environment (a bench's size), else ``default``."""
    value = os.environ.get(name)
    return int(value) if value else default


def liability_account_row(code: str, now: Any, credits: int = 0) -> dict[str, Any]:
    """A ledger account row for a bulk insert: an XAF liability (a wallet, a float, a
    livret) with no overdraft and ``credits`` already posted (0 for an empty one)."""
    return {
        "code": code,
        "type": "liability",
        "normal": "credit",
        "currency": "XAF",
        "allow_overdraft": False,
        "status": "active",
        "name": None,
        "debits_posted": 0,
        "credits_posted": credits,
        "debits_pending": 0,
        "credits_pending": 0,
        "created_at": now,
    }
