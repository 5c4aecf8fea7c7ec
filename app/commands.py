"""Command-line entry points (``flask …``), one group per package."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.runtime import current_runtime, unit_of_work

jobs_cli = AppGroup("jobs", help="Background jobs and the outbox.")


@jobs_cli.command("failed")
def jobs_failed() -> None:
    """List failed jobs with their last error."""
    from app.jobs import failed_jobs

    with unit_of_work() as uow:
        for job in failed_jobs(uow.session):
            click.echo(f"{job.id}\t{job.name}\tattempts={job.attempts}\t{job.last_error}")


@jobs_cli.command("retry")
def jobs_retry() -> None:
    """Put failed jobs back in the queue."""
    from workers.outbox import retry_failed

    click.echo(f"retried {retry_failed()} job(s)")


@jobs_cli.command("drain")
def jobs_drain() -> None:
    """Hand over jobs that never reached the queue (for example while Redis was down)."""
    from workers.outbox import drain

    click.echo(f"dispatched {drain()} job(s)")


@click.command("seed")
@click.option("--demo/--no-demo", default=None, help="Demo data (default: in development).")
def seed_command(demo: bool | None) -> None:
    """Open the chart of accounts and, in development, the demo data. Idempotent."""
    from app.seed import seed

    config = current_runtime().config
    with unit_of_work() as uow:
        with_demo = config.is_development if demo is None else demo
        seed(uow.session, demo=with_demo)
        uow.commit()
    click.echo("seeded")
    if with_demo and config.is_development:
        from app.seed import DEMO_API_KEYS

        click.echo("Demo accounts (PINs, passwords, TOTP secrets, a tour): docs/DEMO.md")
        click.echo("Demo API keys (X-API-Key, public, development only):")
        for role, who, key in DEMO_API_KEYS:
            click.echo(f"  {role:<8} {key}  ({who})")


def register(app: Flask) -> None:
    from app.agents.commands import users_cli
    from app.audit.commands import audit_cli
    from app.auth.commands import clients_cli, partners_cli
    from app.customers.commands import customers_cli
    from app.ledger.commands import ledger_cli
    from app.payments.commands import billers_cli, merchants_cli
    from app.reconciliation.commands import reconcile_command

    app.cli.add_command(ledger_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(partners_cli)
    app.cli.add_command(clients_cli)
    app.cli.add_command(customers_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(reconcile_command)
    app.cli.add_command(billers_cli)
    app.cli.add_command(merchants_cli)
