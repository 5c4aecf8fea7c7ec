"""Test fixtures: every app-level test runs on SQLite and on PostgreSQL.

* SQLite: a migrated template file, copied for each test (isolated, fast).
* PostgreSQL: ``TEST_DATABASE_URL`` names a server; this session creates its own
  database there, migrates it once and truncates it before each test. Without
  the variable the PostgreSQL half is skipped on a laptop and fails under CI.
* Time is frozen (``clock`` fixture, autouse) and can be moved by the test.
* After each test that built an app, every ledger invariant must still hold.
* Every answer a test client receives from ``/api/v1`` is checked against the
  application's ``openapi.json`` (``tests/contract.py``; opt out with
  ``@pytest.mark.undocumented_response("why")``).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import create_app
from app.clock import FrozenClock, SystemClock
from app.clock import clock as app_clock
from app.config import BASE_DIR, Config
from app.db import make_engine
from tests import contract
from tests.concurrency import RACERS

IN_CI = bool(os.environ.get("CI"))
START = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def need_env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        message = f"{name} is not set"
        if IN_CI:
            pytest.fail(f"{message}: CI must run every test against the real service")
        pytest.skip(message)
    return value


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ledger_broken: the test breaks the ledger on purpose")
    config.addinivalue_line(
        "markers", "audit_tampered: the test edits the audit trail around its guards on purpose"
    )
    config.addinivalue_line("markers", "sqlite_only: behaviour specific to SQLite")
    config.addinivalue_line(
        "markers",
        f"{contract.MARKER}(why): the test exercises behaviour openapi.json leaves out on "
        "purpose; its answers are not checked against the contract",
    )
    # Every application's test client checks what /api/v1 answers (tests/contract.py).
    Flask.test_client_class = contract.ContractClient


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    line = contract.write_report()
    if line:
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def contract_checked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Answers are checked against the contract unless the test opts out."""
    contract.STATE.enabled = request.node.get_closest_marker(contract.MARKER) is None
    yield
    contract.STATE.enabled = True


def migrate(url: str) -> None:
    cfg = AlembicConfig(str(BASE_DIR / "alembic.ini"))
    cfg.set_main_option("script_location", str(BASE_DIR / "migrations"))
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    return need_env("TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def pg_database(pg_server_url: str) -> Iterator[str]:
    server = make_url(pg_server_url)
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    name = f"postcash_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    # Tests check locking and balances, not how fast the server accepts a
    # connection: a busy CI host once took over the app's 5 s to fork backends
    # for eight racing threads (ConnectionTimeout), so tests allow 30 s.
    query = {"connect_timeout": "30", **server.query}
    url = server.set(database=name, query=query).render_as_string(hide_password=False)
    migrate(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = (
            conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
            .scalars()
            .all()
        )
        if tables:
            conn.execute(
                text(
                    "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
                )
            )
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "sqlite" and request.node.get_closest_marker("postgres_only"):
        pytest.skip("PostgreSQL-only behaviour")
    if request.param == "postgresql" and request.node.get_closest_marker("sqlite_only"):
        pytest.skip("SQLite-only behaviour")
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        path = tmp_path / "postcash.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database")
    truncate_all(url)
    return url


@pytest.fixture(autouse=True)
def clock() -> Iterator[FrozenClock]:
    frozen = FrozenClock(START)
    app_clock.use(frozen)
    yield frozen
    app_clock.use(SystemClock())


def make_config(db_url: str, **overrides: object) -> Config:
    values: dict[str, object] = {
        "APP_ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-0123456789abcdef",
        "DATABASE_URL": db_url,
        "REDIS_URL": None,
        "SMS_BACKEND": "recording",
        "LOG_JSON": False,
        # Every racer of tests/concurrency.py holds its own connection at once (some wait
        # at a barrier while holding it), plus the test's own: RACERS + a margin. Few
        # stay open between tests: connections beyond the pool's 5 close when returned,
        # and each app disposes its pool at teardown, so one process stays well under
        # PostgreSQL's default max_connections of 100.
        "DB_POOL_SIZE": 5,
        "DB_MAX_OVERFLOW": RACERS + 5,
    }
    values.update(overrides)
    return Config(**values)  # type: ignore[arg-type]


@pytest.fixture
def config_overrides() -> dict[str, object]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def config(db_url: str, config_overrides: dict[str, object]) -> Config:
    return make_config(db_url, **config_overrides)


@pytest.fixture
def app(config: Config, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    from app.ledger.checks import run_checks
    from app.seed import seed

    application = create_app(config)
    runtime = application.extensions["postcash"]
    with application.app_context():
        with runtime.unit_of_work() as uow:
            seed(uow.session, demo=False)
            uow.commit()
        yield application
        if not request.node.get_closest_marker("ledger_broken"):
            with runtime.unit_of_work() as uow:
                failed = [r for r in run_checks(uow.session) if not r.ok]
            assert not failed, f"ledger invariants broken after the test: {failed}"
        if not request.node.get_closest_marker("audit_tampered"):
            from app.audit import verify_chain

            with runtime.unit_of_work() as uow:
                broken = verify_chain(uow.session)
            assert not broken, f"audit chain broken after the test: {broken}"
    runtime.database.dispose()


@pytest.fixture
def runtime(app):  # type: ignore[no-untyped-def]
    return app.extensions["postcash"]


@pytest.fixture
def uow(runtime):  # type: ignore[no-untyped-def]
    with runtime.unit_of_work() as unit:
        yield unit


@pytest.fixture
def session(uow):  # type: ignore[no-untyped-def]
    return uow.session


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def awa_balance():  # type: ignore[no-untyped-def]
    """What ``awa`` holds; a module whose story needs another sum overrides this fixture."""
    return 100_000


@pytest.fixture
def awa_msisdn():  # type: ignore[no-untyped-def]
    """Awa's number: a fresh one, unless a module types it (``"+242061234567"``)."""
    return None


@pytest.fixture
def awa(runtime, awa_balance, awa_msisdn):  # type: ignore[no-untyped-def]
    """Awa Mabiala, a registered basic customer (PIN ``factories.PIN``) holding ``awa_balance``."""
    from app.db import transaction
    from tests import factories

    with transaction(runtime) as session:
        return factories.customer(session, balance=awa_balance, msisdn=awa_msisdn)
