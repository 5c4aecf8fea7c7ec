"""``flask mail verify-evidence``: recompute every letter's evidence chain."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.db import unit_of_work
from app.mail.evidence import verify_all

mail_cli = AppGroup("mail", help="Hybrid mail and the postal e-mailbox.")


@mail_cli.command("verify-evidence")
def verify_evidence_command() -> None:
    """Check every letter's hash chain; exit 1 naming each letter whose chain is broken."""
    with unit_of_work() as uow:
        checked, broken = verify_all(uow.session)
    for item in broken:
        where = f"event {item.seq}" if item.seq is not None else "head"
        click.echo(f"FAIL letter {item.letter_id} {where}: {item.reason}")
    click.echo(f"{checked} letters checked, {len(broken)} broken chains")
    if broken:
        sys.exit(1)
