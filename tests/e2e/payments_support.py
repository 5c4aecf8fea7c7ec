"""Small helpers shared by the payments end-to-end tests."""

from __future__ import annotations

from typing import Any

from app import ledger
from app.db import transaction
from app.ledger import chart
from tests import factories

API = "/api/v1"


def available(runtime: Any, code: str) -> int:
    with transaction(runtime) as session:
        return ledger.balance(session, code).available


def wallet_of(runtime: Any, who: Any) -> int:
    return available(runtime, chart.wallet(who.id))


def float_of(runtime: Any, agent: Any) -> int:
    return available(runtime, chart.float_account(agent.id))


def post(
    client: Any,
    app: Any,
    who: Any,
    path: str,
    body: dict | None = None,
    key: str | None = None,
    idempotent: bool = True,
) -> Any:
    headers = factories.headers_for(app, who)
    if idempotent:
        headers["Idempotency-Key"] = key or factories.key()
    return client.post(f"{API}{path}", json=body if body is not None else {}, headers=headers)


def send_p2p(
    client: Any, app: Any, sender: Any, to: str, amount: int, key: str | None = None
) -> Any:
    return post(client, app, sender, "/transfers", {"type": "p2p", "to": to, "amount": amount}, key)


def confirm(client: Any, app: Any, sender: Any, transfer_id: str, otp: str) -> Any:
    return post(
        client, app, sender, f"/transfers/{transfer_id}/confirm", {"otp": otp}, idempotent=False
    )


def otp_for(app: Any, who: Any) -> str:
    return factories.sms_code(app, who.msisdn, digits=6)


def sms_to(app: Any, msisdn: str) -> list[str]:
    from app.notify.gateways import recording_outbox

    return [text for to, text in recording_outbox(app.extensions["postcash"]) if to == msisdn]
