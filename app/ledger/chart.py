"""The chart of accounts (DESIGN.md): system accounts and the codes of per-holder ones."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.ledger.accounts import open_account

TRUST_BANK = "trust:bank"
REMIT_PAYABLE = "remit:payable"
COMMISSION_AGENTS = "commission:agents"
FEE_KINDS = ("p2p", "cashout", "remit", "bill", "merchant", "fx")

SYSTEM_ACCOUNTS: list[tuple[str, str, str]] = [
    (TRUST_BANK, "asset", "Compte de cantonnement (banque)"),
    (REMIT_PAYABLE, "liability", "Mandats à payer"),
    (COMMISSION_AGENTS, "expense", "Commissions des agents"),
    *[(f"fees:{kind}", "income", f"Frais {kind}") for kind in FEE_KINDS],
]


def fees(kind: str) -> str:
    return f"fees:{kind}"


def wallet(customer_id: str) -> str:
    return f"wallet:{customer_id}"


def float_account(agent_id: str) -> str:
    return f"float:{agent_id}"


def partner(partner_id: str) -> str:
    return f"partner:{partner_id}"


def payer(payer_id: str) -> str:
    return f"payer:{payer_id}"


def merchant(merchant_id: str) -> str:
    return f"merchant:{merchant_id}"


def biller(code: str) -> str:
    return f"biller:{code}"


def ensure_chart(session: Session, currency: str = "XAF") -> None:
    """Open the system accounts; safe to run any number of times."""
    for code, type_, name in SYSTEM_ACCOUNTS:
        open_account(session, code, type_, currency, name=name)
