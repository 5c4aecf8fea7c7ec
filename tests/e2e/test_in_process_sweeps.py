"""Sweeps without Redis: the development server runs them itself (workers/in_process.py).

The thread only calls ``tick()``; these tests call it with the frozen clock.
"""

from __future__ import annotations

import click
import pytest

from app.config import Config
from app.db import transaction
from tests import factories
from tests.e2e.payments_support import send_p2p, wallet_of
from workers.in_process import InProcessSweeps, is_reloader_parent, lock_path_for, serves_requests
from workers.schedule import SWEEPS


@pytest.fixture
def bruno(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma", language="ln")


def now_of(clock) -> float:
    return clock.now().timestamp()


def test_an_expired_transfer_is_released_by_the_next_tick(client, app, runtime, awa, bruno, clock):
    sweeps = InProcessSweeps(app)
    sweeps.tick(now_of(clock))
    send_p2p(client, app, awa, bruno.msisdn, 5_000)
    assert wallet_of(runtime, awa) == 100_000 - 5_050
    clock.advance(minutes=6)
    assert "transfers-expiry" in sweeps.tick(now_of(clock))
    assert wallet_of(runtime, awa) == 100_000


def test_the_first_tick_runs_every_sweep(app, clock):
    assert InProcessSweeps(app).tick(now_of(clock)) == sorted(SWEEPS)


def test_a_sweep_runs_once_per_period(app, clock):
    sweeps = InProcessSweeps(app)
    start = now_of(clock) - now_of(clock) % 3600  # the top of an hour: every period begins
    sweeps.tick(start)
    assert sweeps.tick(start + 1) == []
    every_minute = sorted(name for name, (_job, every) in SWEEPS.items() if every == 60)
    assert sweeps.tick(start + 60) == sorted(
        name for name, (_job, every) in SWEEPS.items() if 60 % every == 0
    )
    assert set(every_minute) <= set(sweeps.tick(start + 120))
    assert "reconciliation" not in sweeps.tick(start + 3600)


def test_the_tick_reads_the_application_clock(app, clock):
    sweeps = InProcessSweeps(app)
    sweeps.tick()
    assert sweeps.tick() == []
    clock.advance(hours=24)
    assert sweeps.tick() == sorted(SWEEPS)


def test_a_failing_sweep_stops_no_other(app, clock, monkeypatch, caplog):
    monkeypatch.setitem(SWEEPS, "aaa-broken", ("workers.nowhere.missing", 60))
    ran = InProcessSweeps(app).tick(now_of(clock))
    assert ran == sorted(SWEEPS)
    assert "sweep aaa-broken failed" in caplog.text


def test_one_process_holds_the_sweeps_of_a_database(app, tmp_path):
    path = str(tmp_path / "sweeps.lock")
    first, second = InProcessSweeps(app, lock_path=path), InProcessSweeps(app, lock_path=path)
    assert first.acquire() is True
    assert second.acquire() is False
    first.release()
    assert second.acquire() is True
    second.release()


def test_each_database_has_its_own_lock():
    assert lock_path_for("sqlite:///a.db") != lock_path_for("sqlite:///b.db")
    assert lock_path_for("sqlite:///a.db") == lock_path_for("sqlite:///a.db")


def test_the_thread_sweeps_at_once_and_stops_cleanly(app, clock, tmp_path):
    sweeps = InProcessSweeps(app, lock_path=str(tmp_path / "sweeps.lock"))
    sweeps.start(interval=3600)
    assert sweeps.running
    sweeps.stop()
    assert not sweeps.running
    assert sweeps.due(now_of(clock)) == []  # the first tick ran before the stop


def command_context(*names: str, **params: object) -> click.Context:
    ctx = click.Context(click.Group("flask"), info_name="flask")
    for name in names:
        ctx = click.Context(click.Command(name), parent=ctx, info_name=name)
    ctx.params.update(params)
    return ctx


def test_flask_run_serves_and_other_commands_do_not():
    with command_context("run"):
        assert serves_requests() is True
    for names in (("seed",), ("users", "create-admin"), ()):
        with command_context(*names):
            assert serves_requests() is False


def test_outside_any_command_the_process_serves():
    assert serves_requests() is True  # gunicorn, a WSGI server


def test_the_reloader_parent_does_not_sweep_its_child_does(monkeypatch):
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    with command_context("run", reload=None):
        assert is_reloader_parent(debug=True) is True
        assert is_reloader_parent(debug=False) is False
    with command_context("run", reload=True):
        assert is_reloader_parent(debug=False) is True
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    with command_context("run", reload=None):
        assert is_reloader_parent(debug=True) is False


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, True),
        ({"REDIS_URL": "redis://127.0.0.1:6379/0"}, False),
        ({"TESTING": True}, False),
        ({"SWEEPS_IN_PROCESS": False}, False),
        ({"APP_ENV": "staging"}, False),
    ],
)
def test_the_server_sweeps_in_development_without_redis_only(changes, expected):
    assert Config(**{"APP_ENV": "development", **changes}).sweeps_in_process is expected


def test_a_testing_application_starts_no_thread(app):
    assert "postcash.sweeps" not in app.extensions
