"""``flask partners create``: an international partner and its API key, printed once."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.agents.commands import click_error
from app.auth.onboarding import create_partner
from app.errors import DomainError
from app.runtime import transaction

partners_cli = AppGroup("partners", help="International remittance partners.")


@partners_cli.command("create")
@click.option("--name", required=True)
@click.option("--country", required=True, help="ISO 3166-1 alpha-2, e.g. FR")
def create_partner_command(name: str, country: str) -> None:
    """Create a partner with an empty prefunding account; print its API key once."""
    try:
        with transaction() as session:
            partner, key = create_partner(session, name=name, country=country)
    except DomainError as exc:
        raise click_error(exc) from exc
    click.echo(f"partner {partner.name} created (id {partner.id})")
    click.echo("API key (store it now; it will not be shown again):")
    click.echo(key)
