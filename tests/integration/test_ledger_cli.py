"""``flask ledger check`` and ``flask ledger trial-balance`` on a live database."""

import pytest
from sqlalchemy import text

from app import ledger
from app.ledger import checks
from app.ledger.chart import fees
from tests.factories import key, wallet


def some_business(runtime):
    with runtime.unit_of_work() as uow:
        awa, bruno = wallet(uow.session, 10_000), wallet(uow.session)
        ledger.post_entry(
            uow.session,
            key=key(),
            kind="p2p",
            legs=[
                ledger.debit(awa, 5_050),
                ledger.credit(bruno, 5_000),
                ledger.credit(fees("p2p"), 50),
            ],
        )
        uow.commit()
    return awa, bruno


def test_the_check_passes_on_a_healthy_ledger(app, runtime):
    some_business(runtime)
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    for name in (
        "entries_balanced",
        "trial_balance_zero",
        "cached_totals_match",
        "no_overdraft",
        "idempotency_unique",
        "safeguarding",
    ):
        assert f"ok   {name}" in result.output
    assert "FAIL" not in result.output


@pytest.mark.ledger_broken
def test_the_check_fails_and_names_the_account_whose_totals_were_tampered_with(app, runtime):
    _, bruno = some_business(runtime)
    with runtime.unit_of_work() as uow:
        # Still within the CHECK constraint (no overdraft): only the checks see it.
        uow.session.execute(
            text("UPDATE ledger_accounts SET credits_posted = credits_posted + 7 WHERE code = :c"),
            {"c": bruno},
        )
        uow.commit()
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert "FAIL cached_totals_match" in result.output
    assert "FAIL trial_balance_zero" in result.output
    assert bruno in result.output
    assert "ok   entries_balanced" in result.output


@pytest.mark.ledger_broken
def test_a_domain_check_registered_with_the_ledger_runs_with_the_core_ones(
    app, runtime, monkeypatch
):
    monkeypatch.setattr(checks, "_extra_checks", dict(checks._extra_checks))

    def remittances_match(session):
        return ledger.CheckResult("remittances_match", False, [{"remittance": "R-42"}])

    ledger.register("remittances_match", remittances_match)
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 1
    assert "FAIL remittances_match" in result.output
    assert "R-42" in result.output


def test_the_trial_balance_prints_each_type_and_says_balanced(app, runtime):
    some_business(runtime)
    result = app.test_cli_runner().invoke(args=["ledger", "trial-balance"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["type", "cur", "debits", "credits"]
    rows = {tuple(line.split()[:2]): line.split()[2:] for line in lines[1:-1]}
    assert rows[("asset", "XAF")] == ["10000", "0"]
    assert rows[("liability", "XAF")] == ["5050", "15000"]
    assert rows[("income", "XAF")] == ["0", "50"]
    assert lines[-1] == "balanced"
