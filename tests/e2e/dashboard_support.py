"""The activity the dashboard tests draw, built through the REST API as it happens.

The clock stands at 28 November 2026, 10:00 in Brazzaville. Poto-Poto (BZV-PP)
and Pointe-Noire (PNR-CV) each have one agent. Three days ago Poto-Poto took in
a cash remittance of 30 000 FCFA nobody has collected yet; today Awa sent Bruno
5 000 FCFA over the API, and each office took a cash-in (20 000 and 10 000 FCFA).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app import ledger
from app.db import transaction
from tests import factories
from tests.e2e.payments_support import confirm, otp_for, post, send_p2p


def cash_in(client: Any, app: Any, agent: Any, who: Any, amount: int) -> None:
    response = post(client, app, agent, "/agent/cash-in", {"msisdn": who.msisdn, "amount": amount})
    assert response.status_code == 201, response.get_json()


def build_network(runtime: Any, client: Any, app: Any, clock: Any) -> dict[str, Any]:
    """The activity of the module docstring, through the REST API as it happens."""
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=100_000)
        bruno = factories.customer(session, first_name="Bruno", last_name="Ngoma")
        poto = factories.agent(session, float_balance=500_000, post_office_code="BZV-PP")
        pnr = factories.agent(
            session,
            float_balance=300_000,
            post_office="Bureau de poste de Pointe-Noire Centre-ville",
            post_office_code="PNR-CV",
        )
    now = clock.now()
    clock.set(now - timedelta(days=3))
    sent = post(
        client,
        app,
        poto,
        "/agent/remittances",
        {
            "sender": {"name": "Marie Nkounkou", "msisdn": "+242055550001"},
            "recipient": {"name": "Jean Okemba", "msisdn": "+242069990001"},
            "amount": 30_000,
        },
    )
    assert sent.status_code == 201, sent.get_json()
    clock.set(now)
    transfer = send_p2p(client, app, awa, bruno.msisdn, 5_000).get_json()
    assert confirm(client, app, awa, transfer["id"], otp_for(app, awa)).status_code == 200
    cash_in(client, app, poto, bruno, 20_000)
    cash_in(client, app, pnr, awa, 10_000)
    return {"awa": awa, "bruno": bruno, "poto": poto, "pnr": pnr}


def balance(runtime: Any, code: str) -> int:
    """An account's posted balance in the ledger, read in its own unit of work."""
    with transaction(runtime) as session:
        return ledger.balance(session, code).posted
