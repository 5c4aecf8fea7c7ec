"""``flask partners create`` and ``flask api-clients …``: keys printed once, access cut at once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.auth.api_keys import list_clients
from app.auth.client_access import disable_client, enable_client, rotate_key
from app.auth.onboarding import create_partner
from app.cli import in_transaction
from app.db import transaction

partners_cli = AppGroup("partners", help="International remittance partners.")
clients_cli = AppGroup("api-clients", help="Partners, merchants, billers, payers: API access.")


@partners_cli.command("create")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2, e.g. FR")
def create_partner_command(name: str, country: str) -> None:
    """Create a partner with an empty prefunding account; print its API key once."""
    partner, key = in_transaction(
        lambda session: create_partner(session, name=name, country=country)
    )
    click.echo(f"partner {partner.name} created (id {partner.id})")
    click.echo("API key (store it now; it will not be shown again):")
    click.echo(key)


@clients_cli.command("list")
def list_clients_command() -> None:
    """Every API client: id, role, status, key prefix, name."""
    with transaction() as session:
        rows = list_clients(session, limit=100_000)
        lines = [f"{c.id}  {c.role:<8} {c.status:<8} {c.key_prefix}…  {c.name}" for c in rows]
    for line in lines:
        click.echo(line)


@clients_cli.command("disable")
@click.argument("client_id")
@click.option("--reason", required=True)
def disable_client_command(client_id: str, reason: str) -> None:
    """Refuse a client's API key from the next request on."""
    client = in_transaction(lambda session: disable_client(session, client_id, reason=reason))
    click.echo(f"{client.role} {client.name} disabled")


@clients_cli.command("enable")
@click.argument("client_id")
@click.option("--reason", required=True)
def enable_client_command(client_id: str, reason: str) -> None:
    """Accept a client's current API key again."""
    client = in_transaction(lambda session: enable_client(session, client_id, reason=reason))
    click.echo(f"{client.role} {client.name} enabled")


@clients_cli.command("rotate-key")
@click.argument("client_id")
@click.option("--reason", required=True)
def rotate_key_command(client_id: str, reason: str) -> None:
    """Replace a client's API key; print the new one once (the old one stops working)."""
    client, key = in_transaction(lambda session: rotate_key(session, client_id, reason=reason))
    click.echo(f"{client.role} {client.name}: key replaced; the old key is refused from now on")
    click.echo("API key (store it now; it will not be shown again):")
    click.echo(key)
