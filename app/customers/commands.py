"""``flask customers freeze|unfreeze <number> --reason …``: the compliance stop, from a shell."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from app.cli import in_transaction
from app.customers.freezing import freeze_customer, unfreeze_customer
from app.customers.service import find_by_msisdn
from app.errors import NotFound

customers_cli = AppGroup("customers", help="Customers: freezing a wallet.")


@customers_cli.command("freeze")
@click.argument("msisdn")
@click.option("--reason", required=True)
def freeze_command(msisdn: str, reason: str) -> None:
    """Stop all money leaving the customer's wallet; cancel their pending payments."""
    done = in_transaction(lambda s: freeze_customer(s, _customer_id(s, msisdn), reason=reason))
    cancelled = len(done.cancelled_transfers) + len(done.cancelled_remittances)
    click.echo(f"{done.customer.msisdn} frozen; {cancelled} pending payment(s) cancelled")


@customers_cli.command("unfreeze")
@click.argument("msisdn")
@click.option("--reason", required=True)
def unfreeze_command(msisdn: str, reason: str) -> None:
    """Let money leave a frozen customer's wallet again."""
    customer = in_transaction(
        lambda s: unfreeze_customer(s, _customer_id(s, msisdn), reason=reason)
    )
    click.echo(f"{customer.msisdn} {customer.status}")


def _customer_id(session: Session, msisdn: str) -> str:
    customer = find_by_msisdn(session, msisdn)
    if customer is None:
        raise NotFound(f"No customer has the number {msisdn!r}.")
    return customer.id
