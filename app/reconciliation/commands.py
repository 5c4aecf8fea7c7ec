"""``flask reconcile --date YYYY-MM-DD``: run the daily reconciliation by hand."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta

import click

from app.clock import local_today
from app.db import transaction
from app.reconciliation.service import reconcile


@click.command("reconcile")
@click.option(
    "--date",
    "day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Business day, Brazzaville time (default: yesterday).",
)
def reconcile_command(day: datetime | None) -> None:
    """Reconcile a business day, store the report as its next version; exit 1 on any break."""
    business_day: date = day.date() if day is not None else local_today() - timedelta(days=1)
    with transaction() as session:
        row = reconcile(session, business_day, trigger="command")
        report, version = row.report, row.version
    click.echo(f"reconciliation of {report['date']} (version {version}): {report['status']}")
    for name, section in report["sections"].items():
        click.echo(f"{'ok  ' if section['ok'] else 'FAIL'} {name}")
    for item in report["breaks"]:
        click.echo("     " + json.dumps(item, ensure_ascii=False))
    if report["breaks"]:
        sys.exit(1)
