"""The chart of accounts (DESIGN.md): system accounts and the codes of per-holder ones."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.ledger.accounts import open_account

TRUST_BANK = "trust:bank"
REMIT_PAYABLE = "remit:payable"
COMMISSION_AGENTS = "commission:agents"
# Reserves a customer's cash-out until an agent pays it: the paying counter is
# not known when the code is issued, so the hold is against this clearing
# account and is swapped for the real entry (wallet → float) at the counter.
CLEARING_WITHDRAWALS = "clearing:withdrawals"
FEE_KINDS = ("p2p", "cashout", "remit", "bill", "merchant", "fx", "mail")  # mail: app/mail

# -- postal savings (app/savings) ---------------------------------------------
# Each livret is its own liability ``savings:<account id>`` (``savings``). Interest
# is provisioned daily from the expense account into the accrued-interest
# liability, and capitalised once a year: accrued → the livret, the tax withheld
# → the tax payable to the State.
SAVINGS_INTEREST_EXPENSE = "interest:expense"
SAVINGS_ACCRUED_INTEREST = "interest:accrued"
SAVINGS_TAX_PAYABLE = "tax:interest"
SAVINGS_ACCOUNTS: list[tuple[str, str, str]] = [
    (SAVINGS_INTEREST_EXPENSE, "expense", "Intérêts servis sur l'épargne"),
    (SAVINGS_ACCRUED_INTEREST, "liability", "Intérêts courus à payer (épargne)"),
    (SAVINGS_TAX_PAYABLE, "liability", "Prélèvement sur intérêts à reverser"),
]
# -- end of postal savings ------------------------------------------------------

SYSTEM_ACCOUNTS: list[tuple[str, str, str]] = [
    (TRUST_BANK, "asset", "Compte de cantonnement (banque)"),
    (REMIT_PAYABLE, "liability", "Mandats à payer"),
    (COMMISSION_AGENTS, "expense", "Commissions des agents"),
    (CLEARING_WITHDRAWALS, "liability", "Retraits en attente au guichet"),
    *[(f"fees:{kind}", "income", f"Frais {kind}") for kind in FEE_KINDS],
    *SAVINGS_ACCOUNTS,
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


def sender(sender_id: str) -> str:
    """A mail sender's prefunding (app/mail): letters are paid from it at once."""
    return f"sender:{sender_id}"


def merchant(merchant_id: str) -> str:
    return f"merchant:{merchant_id}"


def biller(code: str) -> str:
    return f"biller:{code}"


# --- Likelemba (issue 17): one pot per rotating savings group ------------------------
# A liability without overdraft, opened with its group: the contributions of the
# open cycle wait there until the payout (docs/LEDGER.md, "Likelemba pots").
LIKELEMBA_POT_PREFIX = "likelemba:"


def likelemba_pot(group_id: str) -> str:
    return f"{LIKELEMBA_POT_PREFIX}{group_id}"


# --- end of likelemba ---------------------------------------------------------------
def savings(account_id: str) -> str:
    """A livret d'épargne: a liability that never overdraws (postal savings)."""
    return f"savings:{account_id}"


def ensure_chart(session: Session, currency: str = "XAF") -> None:
    """Open the system accounts; safe to run any number of times."""
    for code, type_, name in SYSTEM_ACCOUNTS:
        open_account(session, code, type_, currency, name=name)
