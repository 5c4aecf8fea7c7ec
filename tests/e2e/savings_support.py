"""Helpers of the savings tests: open a livret, deposit, withdraw, over HTTP."""

from __future__ import annotations

from typing import Any

from app import ledger
from app.db import transaction
from app.ledger import chart
from tests import factories

API = "/api/v1"


def headers(app: Any, who: Any, key: str | None = None) -> dict[str, str]:
    h = factories.headers_for(app, who)
    h["Idempotency-Key"] = key or factories.key("savings")
    return h


def open_livret(client: Any, app: Any, who: Any, product: str = "livret") -> Any:
    return client.post(
        f"{API}/savings/accounts",
        json={"product": product},
        headers=factories.headers_for(app, who),
    )


def deposit(
    client: Any, app: Any, who: Any, account_id: str, amount: Any, key: str | None = None
) -> Any:
    return client.post(
        f"{API}/savings/accounts/{account_id}/deposits",
        json={"amount": amount},
        headers=headers(app, who, key),
    )


def withdraw(client: Any, app: Any, who: Any, account_id: str, amount: Any) -> Any:
    return client.post(
        f"{API}/savings/accounts/{account_id}/withdrawals",
        json={"amount": amount},
        headers=headers(app, who),
    )


def savings_balance(runtime: Any, account_id: str) -> int:
    with transaction(runtime) as session:
        return ledger.balance(session, chart.savings(account_id)).posted
