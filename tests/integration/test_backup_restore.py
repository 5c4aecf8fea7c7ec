"""Backup and restore, tested once end to end: pg_dump the live database, restore it
into a fresh one with scripts/restore.sh, and the ledger and audit checks pass on the copy."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import audit, ledger
from app.config import BASE_DIR
from tests import factories

pytestmark = pytest.mark.postgres_only

SCRIPTS = BASE_DIR / "scripts"


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FLASK": str(BASE_DIR / ".venv" / "bin" / "flask")}
    for name in ("APP_ENV", "REDIS_URL", "DATABASE_URL"):
        env.pop(name, None)
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.fixture
def copy_url(db_url: str) -> Iterator[str]:
    """A database name on the same server that does not exist yet; dropped afterwards."""
    url = make_url(db_url).set(database=f"postcash_restore_{uuid.uuid4().hex[:8]}")
    yield url.render_as_string(hide_password=False)
    admin = create_engine(make_url(db_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def live_data(runtime) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Some money moved and an audited staff action, committed."""
    with runtime.unit_of_work() as uow:
        alice = factories.wallet(uow.session, balance=25_000)
        bob = factories.wallet(uow.session, balance=0)
        ledger.post_entry(
            uow.session,
            key=factories.key("p2p"),
            kind="p2p",
            legs=[
                ledger.debit(alice, 5_050),
                ledger.credit(bob, 5_000),
                ledger.credit("fees:p2p", 50),
            ],
        )
        audit.record(uow.session, actor_role="admin", actor_id="1", action="float.topup")
        uow.commit()
        return {alice: 19_950, bob: 5_000}


def balances(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT code, credits_posted - debits_posted FROM ledger_accounts")
        ).all()
    engine.dispose()
    return {code: int(balance) for code, balance in rows}


def test_a_backup_restored_into_a_fresh_database_passes_every_check(
    db_url, live_data, copy_url, tmp_path
):
    dump = tmp_path / "postcash.dump"
    backup = run(SCRIPTS / "backup.sh", db_url, dump)
    assert backup.returncode == 0, backup.stderr
    assert dump.stat().st_size > 0

    restore = run(SCRIPTS / "restore.sh", dump, copy_url)

    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert "FAIL" not in restore.stdout
    assert "ok   safeguarding" in restore.stdout
    assert "ok 1 event(s)" in restore.stdout
    assert balances(copy_url) == balances(db_url)
    for code, balance in live_data.items():
        assert balances(copy_url)[code] == balance


def test_a_restore_never_overwrites_an_existing_database(db_url, live_data, tmp_path):
    dump = tmp_path / "postcash.dump"
    assert run(SCRIPTS / "backup.sh", db_url, dump).returncode == 0

    restore = run(SCRIPTS / "restore.sh", dump, db_url)

    assert restore.returncode == 1
    assert "already exists" in restore.stderr
    assert balances(db_url)[next(iter(live_data))] == 19_950


def test_only_postgresql_is_backed_up_by_the_script(tmp_path):
    result = run(SCRIPTS / "backup.sh", f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "x.dump")
    assert result.returncode == 2
    assert not (tmp_path / "x.dump").exists()
