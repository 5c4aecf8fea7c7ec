"""Command-line entry points (``flask …``), one group per package."""

from __future__ import annotations

from typing import Any

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


secrets_cli = AppGroup("secrets", help="SECRET_KEY rotation (docs/DEPLOY.md).")


def sealed_columns() -> list[tuple[Any, str, str]]:
    """Every column sealed with ``app.secretbox``: (model, attribute, purpose)."""
    from app.agents import totp
    from app.agents.models import StaffUser
    from app.api import idempotency
    from app.otp import service as otp
    from app.otp.models import OtpSecret
    from app.payments import callbacks
    from app.payments.models import Biller, Merchant
    from app.remittances import webhooks
    from app.remittances.models import PartnerWebhook
    from app.sms import service as sms
    from app.sms.models import SmsMessage
    from app.ussd import sessions as ussd
    from app.ussd.models import UssdSession

    return [
        (StaffUser, "totp_secret_encrypted", totp.PURPOSE),
        (Biller, "webhook_secret_sealed", callbacks.SEAL_PURPOSE),
        (Merchant, "webhook_secret_sealed", callbacks.SEAL_PURPOSE),
        (PartnerWebhook, "secret_sealed", webhooks.SEAL_PURPOSE),
        (OtpSecret, "secret_encrypted", otp.SEED_PURPOSE),
        (SmsMessage, "secret_encrypted", sms.SECRET_PURPOSE),
        (UssdSession, "reply_sealed", ussd.SEAL_PURPOSE),
        (idempotency.IdempotencyRecord, "response_body", idempotency.RESPONSE_PURPOSE),
    ]


def reseal_all(batch: int = 500) -> dict[str, tuple[int, int]]:
    """Seal again under the current SECRET_KEY whatever a retired key sealed; per
    table, (rows resealed, rows no key of the ring opens). One transaction per batch;
    a row is rewritten only if its token has not changed since it was read."""
    from sqlalchemy import inspect, select, update

    from app.db import rows_matched
    from app.secretbox import InvalidToken, reseal

    secret_key = current_runtime().config.SECRET_KEY
    report: dict[str, tuple[int, int]] = {}
    for model, attribute, purpose in sealed_columns():
        column = getattr(model, attribute)
        (pk,) = inspect(model).primary_key
        with unit_of_work() as uow:
            ids = list(uow.session.scalars(select(pk).where(column.is_not(None)).order_by(pk)))
        done = unreadable = 0
        for start in range(0, len(ids), batch):
            with unit_of_work() as uow:
                rows = uow.session.execute(
                    select(pk, column).where(pk.in_(ids[start : start + batch]))
                ).all()
                for row_id, token in rows:
                    try:
                        fresh = reseal(secret_key, purpose, token)
                    except InvalidToken:  # sealed under a key no longer listed, or clear text
                        unreadable += 1
                        continue
                    # only if unchanged meanwhile: a row rewritten since holds a fresh token
                    changed = uow.session.execute(
                        update(model).where(pk == row_id, column == token).values({column: fresh})
                    )
                    done += rows_matched(changed)
                uow.commit()
        report[model.__tablename__] = (done, unreadable)
    return report


@secrets_cli.command("reseal")
def reseal_command() -> None:
    """Seal every sealed column again under the current SECRET_KEY (after a rotation)."""
    unreadable_total = 0
    for table, (done, unreadable) in reseal_all().items():
        unreadable_total += unreadable
        click.echo(f"{table}: {done} resealed, {unreadable} unreadable")
    if unreadable_total:
        click.echo("some rows open under no listed key (or were stored in clear): see DEPLOY.md")


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
    app.cli.add_command(secrets_cli)
    app.cli.add_command(seed_command)
    app.cli.add_command(reconcile_command)
    app.cli.add_command(billers_cli)
    app.cli.add_command(merchants_cli)
