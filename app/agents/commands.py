"""``flask users create-admin|create-agent|list|disable|enable|unlock|totp``.

The ``otpauth://`` URI is printed once, to be scanned into an authenticator
app; it is not stored in clear and cannot be shown again. ``disable`` is also
the way back in when the only admin account is compromised: it works from the
server's shell, where no token is needed; so is ``unlock`` when every admin
is locked out by sign-in failures.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from app.agents.access import disable_staff, enable_staff
from app.agents.lockout import unlock_staff
from app.agents.staff import (
    create_admin,
    create_agent,
    create_head_office,
    create_supervisor,
    find_staff,
    list_staff,
)
from app.cli import in_transaction
from app.db import transaction
from app.errors import NotFound

users_cli = AppGroup("users", help="Staff accounts: admins and post-office agents.")


@users_cli.command("create-admin")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
def create_admin_command(username: str, password: str) -> None:
    """Create an administrator and print the TOTP enrolment URI once."""
    admin, uri = in_transaction(
        lambda session: create_admin(session, username=username, password=password)
    )
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
    agent, uri = in_transaction(
        lambda session: create_agent(
            session,
            username=username,
            password=password,
            post_office=post_office,
            post_office_code=post_office_code,
        )
    )
    click.echo(f"agent {agent.username} created at {agent.post_office_code} (id {agent.id})")
    click.echo("Scan this URI into an authenticator app now; it will not be shown again:")
    click.echo(uri)


@users_cli.command("create-supervisor")
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--post-office", required=True, help='e.g. "Bureau de poste de Poto-Poto"')
@click.option("--post-office-code", required=True, help="e.g. BZV-PP")
def create_supervisor_command(
    username: str, password: str, post_office: str, post_office_code: str
) -> None:
    """Create the supervisor of one post office (no float) and print the TOTP URI once."""
    supervisor, uri = in_transaction(
        lambda session: create_supervisor(
            session,
            username=username,
            password=password,
            post_office=post_office,
            post_office_code=post_office_code,
        )
    )
    click.echo(
        f"supervisor {supervisor.username} created at {supervisor.post_office_code}"
        f" (id {supervisor.id})"
    )
    click.echo("Scan this URI into an authenticator app now; it will not be shown again:")
    click.echo(uri)


@users_cli.command("create-head-office")
@click.option("--role", required=True, type=click.Choice(["operator", "auditor"]))
@click.option("--username", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
def create_head_office_command(role: str, username: str, password: str) -> None:
    """Create a back-office operator or auditor and print the TOTP URI once."""
    staff, uri = in_transaction(
        lambda session: create_head_office(session, role=role, username=username, password=password)
    )
    click.echo(f"{role} {staff.username} created (id {staff.id})")
    click.echo("Scan this URI into an authenticator app now; it will not be shown again:")
    click.echo(uri)


@users_cli.command("list")
def list_command() -> None:
    """Every staff account: username, role, post office, status."""
    with transaction() as session:
        rows = list_staff(session, limit=10_000)
        lines = [
            f"{s.username:<24} {s.role:<10} {s.post_office_code or '-':<10} {s.status}"
            + (" locked" if s.locked_at else "")
            for s in rows
        ]
    for line in lines:
        click.echo(line)


@users_cli.command("disable")
@click.argument("username")
@click.option("--reason", required=True)
def disable_command(username: str, reason: str) -> None:
    """Refuse a staff account's sign-ins and revoke its live tokens."""
    in_transaction(lambda s: disable_staff(s, _staff_id(s, username), reason=reason))
    click.echo(f"{username} disabled; signed out everywhere")


@users_cli.command("enable")
@click.argument("username")
@click.option("--reason", required=True)
def enable_command(username: str, reason: str) -> None:
    """Let a disabled staff account sign in again."""
    in_transaction(lambda s: enable_staff(s, _staff_id(s, username), reason=reason))
    click.echo(f"{username} enabled")


@users_cli.command("unlock")
@click.argument("username")
@click.option("--reason", required=True)
def unlock_command(username: str, reason: str) -> None:
    """Let a staff account locked by sign-in failures sign in again (audited)."""
    in_transaction(lambda s: unlock_staff(s, _staff_id(s, username), reason=reason))
    click.echo(f"{username} unlocked")


def _staff_id(session: Session, username: str) -> str:
    staff = find_staff(session, username)
    if staff is None:
        raise NotFound(f"No staff member is called {username!r}.")
    return staff.id


@users_cli.command("totp")
@click.argument("username")
def totp_command(username: str) -> None:
    """Development only: print a staff member's current TOTP code (the demo counter's
    agent signs in without an authenticator app). Refused anywhere else: a shell that
    prints codes would make the second factor a formality."""
    from app.agents.totp import current_code, decrypt_secret
    from app.clock import clock
    from app.db import current_runtime

    config = current_runtime().config
    if not (config.is_development or config.TESTING):
        raise click.ClickException("flask users totp works in development only")
    with transaction() as session:
        staff = find_staff(session, username)
        if staff is None:
            raise click.ClickException(f"no staff member {username!r}")
        secret = decrypt_secret(config.SECRET_KEY, staff.totp_secret_encrypted)
    click.echo(current_code(secret, clock.now()))
