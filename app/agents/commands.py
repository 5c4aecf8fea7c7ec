"""``flask users create-admin`` and ``flask users create-agent``.

The ``otpauth://`` URI is printed once, to be scanned into an authenticator
app; it is not stored in clear and cannot be shown again.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.agents.staff import create_admin, create_agent
from app.errors import DomainError
from app.runtime import transaction

users_cli = AppGroup("users", help="Staff accounts: admins and post-office agents.")


def click_error(exc: DomainError) -> click.ClickException:
    """A refused command line, said the way the API would say it."""
    errors = exc.extra.get("errors")
    return click.ClickException(f"{exc.detail} {errors}" if errors else exc.detail)


@users_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
def create_admin_command(username: str, password: str) -> None:
    """Create an administrator and print the TOTP enrolment URI once."""
    try:
        with transaction() as session:
            admin, uri = create_admin(session, username=username, password=password)
    except DomainError as exc:
        raise click_error(exc) from exc
    click.echo(f"admin {admin.username} created (id {admin.id})")
    click.echo("Scan this URI into an authenticator app now; it will not be shown again:")
    click.echo(uri)


@users_cli.command("create-agent")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--post-office", required=True, help='e.g. "Bureau de poste de Poto-Poto"')
@click.option("--post-office-code", required=True, help="e.g. BZV-PP")
def create_agent_command(
    username: str, password: str, post_office: str, post_office_code: str
) -> None:
    """Create a post-office agent (with an empty float) and print the TOTP URI once."""
    try:
        with transaction() as session:
            agent, uri = create_agent(
                session,
                username=username,
                password=password,
                post_office=post_office,
                post_office_code=post_office_code,
            )
    except DomainError as exc:
        raise click_error(exc) from exc
    click.echo(f"agent {agent.username} created at {agent.post_office_code} (id {agent.id})")
    click.echo("Scan this URI into an authenticator app now; it will not be shown again:")
    click.echo(uri)
