"""``flask secrets``: after a SECRET_KEY rotation, seal old data again under the new key.

It reads every sealed column of every package, so it sits in the application
layer beside the factory (docs/DEPLOY.md, "Rotating SECRET_KEY").
"""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from app.db import current_runtime, unit_of_work

secrets_cli = AppGroup("secrets", help="SECRET_KEY rotation (docs/DEPLOY.md).")


def sealed_columns() -> list[tuple[Any, str, str]]:
    """Every column sealed with ``app.secretbox``: (model, attribute, purpose)."""
    from app.agents import totp
    from app.agents.models import StaffUser
    from app.api import idempotency
    from app.notify import service as sms
    from app.notify.models import SmsMessage
    from app.otp import service as otp
    from app.otp.models import OtpSecret
    from app.payments import callbacks
    from app.payments.models import Biller, Merchant
    from app.remittances import webhooks
    from app.remittances.models import PartnerWebhook
    from app.ussd import sessions as ussd
    from app.ussd.models import UssdSession

    return [
        (StaffUser, "totp_secret_encrypted", totp.PURPOSE),
        (Biller, "webhook_secret_sealed", callbacks.SEAL_PURPOSE),
        (Merchant, "webhook_secret_sealed", callbacks.SEAL_PURPOSE),
        (PartnerWebhook, "secret_sealed", webhooks.SEAL_PURPOSE),
        (OtpSecret, "secret_encrypted", otp.SEED_PURPOSE),
        (SmsMessage, "secret_encrypted", sms.SECRET_PURPOSE),
        (UssdSession, "reply_sealed", ussd.SEAL_PURPOSE),
        (idempotency.IdempotencyRecord, "response_body", idempotency.RESPONSE_PURPOSE),
    ]


def reseal_all(batch: int = 500) -> dict[str, tuple[int, int]]:
    """Seal again under the current SECRET_KEY whatever a retired key sealed; per
    table, (rows resealed, rows no key of the ring opens). One transaction per batch;
    a row is rewritten only if its token has not changed since it was read."""
    from sqlalchemy import inspect, select, update

    from app.db import rows_matched
    from app.secretbox import InvalidToken, reseal

    secret_key = current_runtime().config.SECRET_KEY
    report: dict[str, tuple[int, int]] = {}
    for model, attribute, purpose in sealed_columns():
        column = getattr(model, attribute)
        (pk,) = inspect(model).primary_key
        with unit_of_work() as uow:
            ids = list(uow.session.scalars(select(pk).where(column.is_not(None)).order_by(pk)))
        done = unreadable = 0
        for start in range(0, len(ids), batch):
            with unit_of_work() as uow:
                rows = uow.session.execute(
                    select(pk, column).where(pk.in_(ids[start : start + batch]))
                ).all()
                for row_id, token in rows:
                    try:
                        fresh = reseal(secret_key, purpose, token)
                    except InvalidToken:  # sealed under a key no longer listed, or clear text
                        unreadable += 1
                        continue
                    # only if unchanged meanwhile: a row rewritten since holds a fresh token
                    changed = uow.session.execute(
                        update(model).where(pk == row_id, column == token).values({column: fresh})
                    )
                    done += rows_matched(changed)
                uow.commit()
        report[model.__tablename__] = (done, unreadable)
    return report


@secrets_cli.command("reseal")
def reseal_command() -> None:
    """Seal every sealed column again under the current SECRET_KEY (after a rotation)."""
    unreadable_total = 0
    for table, (done, unreadable) in reseal_all().items():
        unreadable_total += unreadable
        click.echo(f"{table}: {done} resealed, {unreadable} unreadable")
    if unreadable_total:
        click.echo("some rows open under no listed key (or were stored in clear): see DEPLOY.md")
