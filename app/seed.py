"""Seeding (``flask seed``): the chart of accounts always, demo data in development only.

Every step is idempotent (find-or-create), so ``make run`` twice changes nothing.
A domain package with demo data adds its step to the list ``DEMO_STEPS``.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from sqlalchemy.orm import Session

from app import demo as identities
from app.db import current_runtime, settings, unit_of_work
from app.demo import seed_demo_identities, seed_demo_organisations
from app.ledger.chart import ensure_chart
from app.network.demo import seed_demo_network
from app.payments import demo as payments
from app.payments.demo import seed_demo_billers, seed_demo_merchant_and_biller_keys

DEMO_STEPS: list[Callable[[Session], None]] = [
    seed_demo_network,  # départements, post offices and print centres (BZV-PP, …)
    seed_demo_identities,  # admin, Poto-Poto agent, customers: docs/DEMO.md
    seed_demo_billers,  # electricity, water, TV, city taxes, passport fee
]
# Fixed, public API keys: in development only (never staging, never production).
DEVELOPMENT_STEPS: list[Callable[[Session], None]] = [
    seed_demo_organisations,  # a remittance partner and a bulk payer, prefunded
    seed_demo_merchant_and_biller_keys,  # a merchant, and a key for the E2C biller
]
# What `flask seed` prints in development: (role, who, X-API-Key).
DEMO_API_KEYS: list[tuple[str, str, str]] = [
    ("merchant", payments.MERCHANT["name"], payments.MERCHANT_KEY),
    ("biller", payments.BILLER_CODE, payments.BILLER_KEY),
    ("partner", identities.PARTNER["name"], identities.PARTNER_KEY),
    ("payer", identities.PAYER["name"], identities.PAYER_KEY),
]


def seed(session: Session, *, demo: bool) -> None:
    ensure_chart(session, settings(session).CURRENCY)
    if demo:
        if settings(session).is_production:
            raise RuntimeError("demo data is never seeded in production")
        for step in DEMO_STEPS:
            step(session)
        if settings(session).is_development:
            for step in DEVELOPMENT_STEPS:
                step(session)


@click.command("seed")
@click.option("--demo/--no-demo", default=None, help="Demo data (default: in development).")
def seed_command(demo: bool | None) -> None:
    """Open the chart of accounts and, in development, the demo data. Idempotent."""
    config = current_runtime().config
    with_demo = config.is_development if demo is None else demo
    with unit_of_work() as uow:
        seed(uow.session, demo=with_demo)
        uow.commit()
    click.echo("seeded")
    if with_demo and config.is_development:
        click.echo("Demo accounts (PINs, passwords, TOTP secrets, a tour): docs/DEMO.md")
        agent = identities.AGENT
        click.echo(
            f"Demo counter: /counter, username {agent['username']}, "
            f"password {agent['password']}, TOTP secret {agent['totp_secret']} "
            f"(or the current code: flask users totp {agent['username']})"
        )
        chief = identities.SUPERVISOR
        click.echo(
            f"Demo supervisor of {chief['post_office_code']}: username {chief['username']}, "
            f"password {chief['password']}, TOTP secret {chief['totp_secret']}"
        )
        for member in identities.HEAD_OFFICE:
            click.echo(
                f"Demo back office (/backoffice), {member['role']}: username "
                f"{member['username']}, password {member['password']}, "
                f"TOTP secret {member['totp_secret']}"
            )
        saver = identities.CUSTOMERS[0]
        click.echo(
            f"Demo portal customer (/compte/connexion): {saver.first_name} {saver.last_name}, "
            f"number {saver.msisdn}, PIN {saver.pin} (a new browser also asks for the code "
            "sent by SMS: /dev/outbox)"
        )
        click.echo("Demo API keys (X-API-Key, public, development only):")
        for role, who, key in DEMO_API_KEYS:
            click.echo(f"  {role:<8} {key}  ({who})")
