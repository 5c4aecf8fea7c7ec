"""``flask billers create``, ``flask billers settle --date``, ``flask billers callbacks``
and ``flask merchants create``."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import click
from flask.cli import AppGroup

from app.cli import in_transaction
from app.db import transaction
from app.payments import callbacks
from app.payments.billers import create_biller
from app.payments.merchants import create_merchant
from app.payments.models import BILLER_CATEGORIES, DELIVERY_STATUSES
from app.payments.settlement import settle_billers

billers_cli = AppGroup("billers", help="Billers: registry, settlement, callbacks.")
merchants_cli = AppGroup("merchants", help="Merchants: payment requests to customers.")


@merchants_cli.command("create")
@click.option("--name", required=True)
@click.option("--fee-rate", type=int, default=None, help="basis points (default MERCHANT_FEE_BP)")
@click.option("--callback-url", default=None, help="where payment events are POSTed")
def create_merchant_command(name: str, fee_rate: int | None, callback_url: str | None) -> None:
    """Register a merchant; print its API key and webhook secret once."""
    created = in_transaction(
        lambda session: create_merchant(
            session, name=name, fee_rate=fee_rate, callback_url=callback_url
        )
    )
    click.echo(f"merchant {created.client.name} created (id {created.client.id})")
    click.echo("API key and webhook secret (store them now; they will not be shown again):")
    click.echo(created.api_key)
    click.echo(created.webhook_secret)


@billers_cli.command("create")
@click.option("--code", required=True, help="e.g. E2C (capitals, digits, '-', '_')")
@click.option("--name", required=True)
@click.option("--category", required=True, type=click.Choice(BILLER_CATEGORIES))
@click.option("--pattern", "reference_pattern", required=True, help="regex of a bill reference")
@click.option("--hint", "reference_hint", required=True, help="what customers are told to type")
@click.option("--example", "reference_example", default=None)
@click.option("--fixed-amount", type=int, default=None, help="the only amount accepted")
@click.option("--webhook-url", default=None)
def create_command(**options: Any) -> None:
    """Register a biller; print its API key and webhook secret once."""
    created = in_transaction(lambda session: create_biller(session, **options))
    click.echo(f"biller {created.biller.code} ({created.biller.name}) created")
    click.echo("API key and webhook secret (store them now; they will not be shown again):")
    click.echo(created.api_key)
    click.echo(created.webhook_secret)


@billers_cli.command("settle")
@click.option("--date", "day", required=True, type=click.DateTime(formats=["%Y-%m-%d"]))
@click.option("--json", "as_json", is_flag=True, help="print the reports as JSON lines")
def settle_command(day: datetime, as_json: bool) -> None:
    """Sweep each biller's collections of DATE to the bank; print the settlement report."""
    business_date: date = day.date()
    reports = in_transaction(
        lambda session: [s.report for s in settle_billers(session, business_date)]
    )
    if as_json:
        for report in reports:
            click.echo(json.dumps(report, sort_keys=True))
        return
    click.echo(f"settlement of {business_date.isoformat()}")
    click.echo(f"{'biller':<16} {'payments':>8} {'collected':>14} {'settled':>14}  entry")
    for r in reports:
        click.echo(
            f"{r['biller']:<16} {r['payments_count']:>8} {r['payments_total']:>14} "
            f"{r['settled']:>14}  {r['entry_id'] or '-'}"
        )
    click.echo(
        f"total settled: {sum(r['settled'] for r in reports)} {reports[0]['currency']}"
        if reports
        else "no biller"
    )


@billers_cli.command("callbacks")
@click.option("--status", type=click.Choice(DELIVERY_STATUSES), default="undeliverable")
@click.option("--limit", type=click.IntRange(1, 1000), default=100)
def callbacks_command(status: str, limit: int) -> None:
    """List biller and merchant callbacks (by default the undeliverable ones)."""
    with transaction() as session:
        rows = callbacks.list_deliveries(session, status=status, limit=limit, after_id=None)
        views = [callbacks.view(row) for row in rows]
    for v in views:
        click.echo(
            f"{v['id']}\t{v['target_type']}:{v['target_id']}\t{v['event']}\t{v['event_id']}\t"
            f"attempts={v['attempts']}\t{v['last_error'] or ''}"
        )
