"""``flask audit verify`` and ``flask audit list``."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime

import click
from flask.cli import AppGroup

from app.audit.chain import chain_summary, verify_chain
from app.audit.queries import list_events
from app.db import unit_of_work

audit_cli = AppGroup("audit", help="Inspect the audit trail.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Walk the hash chain; exit 1 and print the offending ids if it is broken."""
    with unit_of_work() as uow:
        broken = verify_chain(uow.session)
        summary = chain_summary(uow.session)
    if not broken:
        click.echo(
            f"ok {summary['events']} event(s), last id {summary['last_id']}, "
            f"head {summary['head_hash']}"
        )
        return
    click.echo(f"BROKEN {len(broken)} link(s) in {summary['events']} event(s)")
    for link in broken:
        click.echo(f"  id={link['id']} {link['problem']} " + json.dumps(link, default=str))
    sys.exit(1)


@audit_cli.command("list")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
@click.option("--action", default=None, help="e.g. float.topup")
@click.option("--actor-id", default=None)
@click.option("--target-type", default=None)
@click.option("--target-id", default=None)
@click.option("--since", default=None, type=click.DateTime(), help="UTC, inclusive")
@click.option("--until", default=None, type=click.DateTime(), help="UTC, exclusive")
def list_command(
    limit: int,
    action: str | None,
    actor_id: str | None,
    target_type: str | None,
    target_id: str | None,
    since: datetime | None,
    until: datetime | None,
) -> None:
    """Print the newest events, one JSON object a line."""
    with unit_of_work() as uow:
        page = list_events(
            uow.session,
            action=action,
            actor_id=actor_id,
            target_type=target_type,
            target_id=target_id,
            since=since.replace(tzinfo=UTC) if since else None,
            until=until.replace(tzinfo=UTC) if until else None,
            limit=limit,
        )
        for event in page.items:
            click.echo(
                json.dumps(
                    {
                        "id": event.id,
                        "occurred_at": event.occurred_at.isoformat(),
                        "actor": f"{event.actor_role}:{event.actor_id or '-'}",
                        "action": event.action,
                        "target": f"{event.target_type or '-'}:{event.target_id or '-'}",
                        "ip": event.ip,
                        "request_id": event.request_id,
                        "before": event.before,
                        "after": event.after,
                    },
                    ensure_ascii=False,
                )
            )
