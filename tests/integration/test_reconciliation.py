"""The daily reconciliation: what it checks, how it is stored, when it alerts.

The clock stands at 28 November 2026, 10:00 in Brazzaville (09:00 UTC); the
business day that just ended is the 27th. Funds are moved through the ledger
and the services, as the app does.
"""

import logging
from datetime import UTC, date, datetime, timedelta

import pytest

from app import ledger
from app.db import jobs, transaction
from app.ledger import chart
from app.reconciliation import get_run, reconcile, versions_of
from app.reconciliation.checks import HOLD_GRACE, JOB_STUCK_AFTER
from tests import factories
from workers.reconciliation import reconcile_yesterday

YESTERDAY = date(2026, 11, 27)
TODAY = date(2026, 11, 28)


def run(runtime, day=YESTERDAY, trigger="command"):
    with transaction(runtime) as session:
        row = reconcile(session, day, trigger=trigger)
        return row.id, row.version, row.status, row.report


def checks_that_broke(report):
    return sorted({b["check"] for b in report["breaks"]})


def test_a_clean_ledger_reconciles_and_the_report_is_stored_with_its_day(runtime):
    with transaction(runtime) as session:
        factories.customer(session, balance=10_000)
    _id, version, status, report = run(runtime)
    assert (version, status, report["breaks"]) == (1, "ok", [])
    assert report["date"] == "2026-11-27"
    assert report["window"] == {
        "from": "2026-11-26T23:00:00+00:00",
        "to": "2026-11-27T23:00:00+00:00",
    }
    assert set(report["sections"]) == {
        "trial_balance",
        "ledger_invariants",
        "safeguarding",
        "remittances_payable",
        "expired_holds",
        "outbox_jobs",
    }
    assert all(section["ok"] for section in report["sections"].values())
    with transaction(runtime) as session:
        stored = get_run(session, YESTERDAY)
        assert (stored.business_date, stored.status, stored.trigger) == (YESTERDAY, "ok", "command")


def test_running_a_day_again_adds_a_version_and_keeps_the_first(runtime):
    first_id, *_ = run(runtime)
    second_id, version, *_ = run(runtime)
    assert version == 2 and second_id != first_id
    with transaction(runtime) as session:
        assert [r.version for r in versions_of(session, YESTERDAY)] == [1, 2]
        assert get_run(session, YESTERDAY).id == second_id
        assert get_run(session, YESTERDAY, 1).id == first_id


def test_every_ledger_invariant_is_part_of_the_report(runtime):
    *_, report = run(runtime)
    names = {c["name"] for c in report["sections"]["ledger_invariants"]["checks"]}
    assert {"trial_balance_zero", "safeguarding", "remit_payable_matches_remittances"} <= names


def test_closing_figures_are_taken_at_midnight_brazzaville_time(runtime, clock):
    clock.set(datetime(2026, 11, 27, 22, 30, tzinfo=UTC))  # 23:30 on the 27th in Brazzaville
    with transaction(runtime) as session:
        factories.customer(session, balance=10_000)
    clock.set(datetime(2026, 11, 27, 23, 30, tzinfo=UTC))  # 00:30 on the 28th
    with transaction(runtime) as session:
        factories.customer(session, balance=5_000)
    *_, report = run(runtime)
    (position,) = report["sections"]["safeguarding"]["positions"]
    assert (position["e_money_outstanding"], position["trust_bank"]) == (10_000, 10_000)
    assert position["by_account_type"]["wallet"] == 10_000
    rows = {r["type"]: r for r in report["sections"]["trial_balance"]["rows"]}
    assert rows["asset"]["debits"] == 10_000 and rows["liability"]["credits"] == 10_000
    *_, today = run(runtime, TODAY)
    (position,) = today["sections"]["safeguarding"]["positions"]
    assert position["e_money_outstanding"] == 15_000


def test_fees_retained_are_not_e_money(runtime):
    with transaction(runtime) as session:
        payer = factories.wallet(session, 10_000)
        ledger.post_entry(
            session,
            key=factories.key(),
            kind="p2p",
            legs=[
                ledger.debit(payer, 5_050),
                ledger.credit(factories.wallet(session), 5_000),
                ledger.credit(chart.fees("p2p"), 50),
            ],
        )
    *_, report = run(runtime, TODAY)
    (position,) = report["sections"]["safeguarding"]["positions"]
    assert position["retained_fees"] == 50
    assert position["e_money_outstanding"] == 9_950
    assert position["difference"] == 0 and position["ok"]


def test_a_hold_left_past_its_expiry_is_a_break(runtime, clock):
    with transaction(runtime) as session:
        payer = factories.wallet(session, 10_000)
        held = ledger.hold_entry(
            session,
            key=factories.key(),
            kind="p2p",
            legs=[ledger.debit(payer, 4_000), ledger.credit(factories.wallet(session), 4_000)],
            expires_at=clock.now() + timedelta(minutes=5),
            reference="PCHOLD01",
        )
    clock.advance(minutes=5)
    *_, report = run(runtime)
    assert report["status"] == "ok"  # expired a moment ago: the sweep has not run yet
    clock.advance(seconds=HOLD_GRACE.total_seconds())
    *_, report = run(runtime)
    assert checks_that_broke(report) == ["expired_holds"]
    holds = report["sections"]["expired_holds"]
    assert holds["count"] == 1
    assert holds["items"][0]["entry_id"] == held.id
    assert (holds["items"][0]["reference"], holds["items"][0]["amount"]) == ("PCHOLD01", 4_000)


def test_a_job_that_failed_for_good_is_a_break(runtime):
    with transaction(runtime) as session:
        jobs.enqueue(session, "workers.no_such_module.run")  # runs after commit, and fails
    *_, report = run(runtime)
    assert checks_that_broke(report) == ["outbox_jobs"]
    section = report["sections"]["outbox_jobs"]
    assert (section["failed"], section["stuck"]) == (1, 0)
    assert section["failed_jobs"][0]["name"] == "workers.no_such_module.run"


@pytest.mark.parametrize("config_overrides", [{"REDIS_URL": "redis://127.0.0.1:1/0"}])
def test_a_job_never_handed_over_is_stuck_after_an_hour(runtime, clock):
    with transaction(runtime) as session:  # Redis unreachable: the job waits in the outbox
        jobs.enqueue(session, "workers.idempotency.purge")
    *_, report = run(runtime)
    assert report["status"] == "ok"
    clock.advance(seconds=JOB_STUCK_AFTER.total_seconds())
    *_, report = run(runtime)
    assert checks_that_broke(report) == ["outbox_jobs"]
    assert report["sections"]["outbox_jobs"]["stuck"] == 1


@pytest.mark.ledger_broken
def test_remit_payable_without_open_remittances_is_a_break(runtime):
    with transaction(runtime) as session:
        ledger.post_entry(
            session,
            key=factories.key(),
            kind="remittance_send",
            legs=[ledger.debit(chart.TRUST_BANK, 7_000), ledger.credit(chart.REMIT_PAYABLE, 7_000)],
        )
    *_, report = run(runtime)
    assert checks_that_broke(report) == ["ledger_invariants", "remittances_payable"]
    section = report["sections"]["remittances_payable"]
    assert (section["remit_payable"], section["awaiting_payout"]["amount"]) == (7_000, 0)
    assert section["difference"] == 7_000


def test_a_break_is_logged_at_error_level_without_a_webhook(runtime, caplog):
    with transaction(runtime) as session:
        jobs.enqueue(session, "workers.no_such_module.run")
    with caplog.at_level(logging.ERROR, logger="app.reconciliation"):
        _id, _version, status, _report = run(runtime)
    assert status == "breaks"
    (line,) = [r for r in caplog.records if r.name == "app.reconciliation.alerts"]
    assert line.levelno == logging.ERROR
    assert "2026-11-27" in line.getMessage() and "outbox_jobs" in line.getMessage()
    with transaction(runtime) as session:
        assert get_run(session, YESTERDAY).alert_status == "none"


def test_the_daily_sweep_reconciles_yesterday_once(runtime):
    first = reconcile_yesterday()
    assert reconcile_yesterday() == first
    with transaction(runtime) as session:
        (row,) = versions_of(session, YESTERDAY)
        assert (row.id, row.trigger) == (first, "schedule")


def test_the_sweep_runs_once_a_day():
    from workers.schedule import SWEEPS

    assert SWEEPS["reconciliation"] == ("workers.reconciliation.reconcile_yesterday", 86_400)


def test_flask_reconcile_prints_the_sections_and_exits_0_when_ok(app):
    result = app.test_cli_runner().invoke(args=["reconcile", "--date", "2026-11-27"])
    assert result.exit_code == 0, result.output
    assert "reconciliation of 2026-11-27 (version 1): ok" in result.output
    assert "ok   expired_holds" in result.output


def test_flask_reconcile_exits_1_and_lists_the_breaks(app, runtime):
    with transaction(runtime) as session:
        jobs.enqueue(session, "workers.no_such_module.run")
    result = app.test_cli_runner().invoke(args=["reconcile", "--date", "2026-11-27"])
    assert result.exit_code == 1
    assert "FAIL outbox_jobs" in result.output
    assert "failed for good" in result.output


def test_flask_reconcile_defaults_to_yesterday(app):
    result = app.test_cli_runner().invoke(args=["reconcile"])
    assert "reconciliation of 2026-11-27" in result.output
