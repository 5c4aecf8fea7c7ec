"""The chaos scenarios, bounded for CI: a real stack of processes, a fault, the proof.

Each run starts its own PostgreSQL cluster, Redis, gunicorn and rq workers
(``scenarios.py``), drives a small load of mixed operations through HTTP and
injects the fault; the report lists every broken property (``findings``).
``python -m tests.chaos`` runs the same scenarios with a bigger load.
"""

from __future__ import annotations

import os

import pytest

from app.clock import SystemClock
from app.clock import clock as app_clock
from tests.chaos.harness import tools_available
from tests.chaos.scenarios import run_scenario
from tests.conftest import IN_CI

pytestmark = pytest.mark.chaos

FLOWS = int(os.environ.get("CHAOS_FLOWS", "24"))
CONCURRENCY = int(os.environ.get("CHAOS_CONCURRENCY", "4"))


@pytest.fixture(autouse=True)
def clock():
    """Real time: the servers of the run read the system clock, not a frozen one."""
    app_clock.use(SystemClock())
    yield app_clock


@pytest.fixture(scope="module", autouse=True)
def tools():
    missing = tools_available()
    if missing:
        if IN_CI:
            pytest.fail(f"chaos tools missing: {missing}")
        pytest.skip(f"chaos tools missing: {missing}")


def test_killing_web_and_rq_workers_mid_load_loses_and_doubles_nothing():
    report = run_scenario("kill", FLOWS, CONCURRENCY)
    assert report.ok, report.text()
    assert len(report.faults) == 3, report.text()


def test_a_postgres_restart_mid_load_fails_requests_cleanly_and_applies_none_by_half():
    report = run_scenario("postgres", FLOWS, CONCURRENCY)
    assert report.ok, report.text()
    assert report.statuses["503"] >= 1, report.text()  # the restart was felt, as 503s
    assert "500" not in report.statuses, report.text()
