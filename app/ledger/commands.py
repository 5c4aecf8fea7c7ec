"""``flask ledger check`` and ``flask ledger trial-balance``."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup

from app.db import unit_of_work
from app.ledger.balances import trial_balance
from app.ledger.checks import run_checks

ledger_cli = AppGroup("ledger", help="Inspect the double-entry ledger.")


@ledger_cli.command("check")
def check_command() -> None:
    """Verify every ledger invariant; exit 1 with the offending rows if one fails."""
    with unit_of_work() as uow:
        results = run_checks(uow.session)
    failed = False
    for result in results:
        click.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.name}")
        if not result.ok:
            failed = True
            for row in result.offending:
                click.echo("     " + json.dumps(row, default=str))
    if failed:
        sys.exit(1)


@ledger_cli.command("trial-balance")
def trial_balance_command() -> None:
    """Print posted debits and credits per account type and currency."""
    with unit_of_work() as uow:
        rows, balanced = trial_balance(uow.session)
    click.echo(f"{'type':<10} {'cur':<4} {'debits':>16} {'credits':>16}")
    for row in rows:
        click.echo(f"{row.type:<10} {row.currency:<4} {row.debits:>16} {row.credits:>16}")
    click.echo("balanced" if balanced else "NOT BALANCED")
    if not balanced:
        sys.exit(1)
