"""The demo customer Awa has a livret d'épargne with savings on it (docs/DEMO.md)."""

from __future__ import annotations

from app import ledger
from app.customers import service
from app.demo import SAVERS, seed_demo_identities
from app.ledger import chart
from app.savings import accounts


def test_awa_has_a_livret_with_savings_seeded_once(session):
    seed_demo_identities(session)
    seed_demo_identities(session)
    awa = service.find_by_msisdn(session, "+242061234567")
    (livret,) = accounts.accounts_of(session, awa.id)
    assert livret.product == "livret"
    assert ledger.balance(session, chart.savings(livret.id)).posted == SAVERS[awa.msisdn] == 75_000
    assert service.wallet_balance(session, awa).posted == 150_000
