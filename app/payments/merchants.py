"""Merchants: e-commerce sites and shops that ask customers to pay them.

A merchant is an API client (role ``merchant``) with a liability account
``merchant:<id>`` holding what it collected, a fee rate in basis points (the
customer never pays it: the merchant receives amount - fee, DESIGN.md), an
optional default callback URL and the secret that signs its callbacks (shown
once). Client, terms and account are created in one unit of work.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app import ledger
from app.audit import record_by
from app.auth.api_keys import ApiClient, create_api_client, get_api_client
from app.clock import clock
from app.db import settings
from app.errors import NotFound, ValidationFailed
from app.ledger import chart
from app.payments import callbacks
from app.payments.models import Merchant
from app.principal import Principal

MAX_FEE_BP = 2_000  # 20 %: anything above is a typing mistake


@dataclass(frozen=True, slots=True)
class CreatedMerchant:
    client: ApiClient
    merchant: Merchant
    api_key: str
    webhook_secret: str


def create_merchant(
    session: Session,
    *,
    name: str,
    fee_rate: int | None = None,
    callback_url: str | None = None,
    by: Principal | None = None,
) -> CreatedMerchant:
    """A merchant, its API key and webhook secret (both shown once) and its account."""
    rate = settings(session).MERCHANT_FEE_BP if fee_rate is None else fee_rate
    if isinstance(rate, bool) or not isinstance(rate, int) or not 0 <= rate <= MAX_FEE_BP:
        raise ValidationFailed({"fee_rate": [f"Basis points, 0 to {MAX_FEE_BP}."]})
    url = None
    if callback_url is not None:
        url = callbacks.clean_callback_url(session, callback_url, "callback_url")
    client, key = create_api_client(session, role="merchant", name=name, meta={})
    secret, sealed = callbacks.new_secret(session)
    merchant = Merchant(
        id=client.id,
        fee_rate_bp=rate,
        callback_url=url,
        webhook_secret_sealed=sealed,
        created_at=clock.now(),
    )
    session.add(merchant)
    session.flush()
    ledger.open_account(
        session,
        chart.merchant(client.id),
        "liability",
        settings(session).CURRENCY,
        allow_overdraft=False,
        name=f"Merchant {client.name}",
    )
    record_by(
        session,
        by,
        action="merchant.create",
        target_type="api_client",
        target_id=client.id,
        after={"name": client.name, "fee_rate_bp": rate, "callback_url": url},
    )
    return CreatedMerchant(client, merchant, key, secret)


def get_merchant(session: Session, merchant_id: str) -> tuple[ApiClient, Merchant]:
    client = get_api_client(session, merchant_id, role="merchant")
    merchant = session.get(Merchant, client.id)
    if merchant is None:
        raise NotFound("No such merchant.")
    return client, merchant
