"""A customer pays for a letter from the wallet, confirmed with the SMS code.

The payment skeleton of ``app/transfers/pending.py``: a ``Transfer`` of type
``mail`` holds the price (``wallet`` → ``fees:mail``, no fee on top) until the
code is typed at ``/transfers/{id}/confirm``; completing it accepts the letter
(``on_mail_paid``, registered by ``wiring.register``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.customers.models import Customer
from app.fees import Quote
from app.ledger import chart
from app.mail import delivery
from app.mail.locks import lock_letter
from app.mail.models import Letter
from app.money import format_amount
from app.transfers import pending
from app.transfers.models import Transfer
from app.transfers.p2p import TRANSFERS, entry_meta


@dataclass(kw_only=True)
class MailOrder(pending.Order[Transfer]):
    """Pay ``amount`` (the letter's price) for the letter ``letter_id``."""

    letter_id: str
    tracking_number: str

    flow = TRANSFERS
    fee_type = "mail"
    hold = ("mail", "mail:{id}")

    def check(self, session: Session, payer: Customer) -> dict[str, Any]:
        return {"type": "mail", "amount": self.amount}

    def legs(self, payer: Customer, quote: Quote) -> list[ledger.Leg]:
        return pending.wallet_legs(payer, quote, chart.fees("mail"), chart.fees("mail"))

    def fields(self, payer: Customer) -> dict[str, Any]:
        return {
            "type": "mail",
            "meta": {
                "from": {"name": payer.display_name, "msisdn": payer.msisdn},
                "to": {"name": "PostCash courrier", "msisdn": None},
                "letter_id": self.letter_id,
                "tracking_number": self.tracking_number,
            },
        }

    def entry_meta(self, row: Transfer) -> dict[str, Any]:
        return entry_meta(row)

    def code_text(self, session: Session, row: Transfer) -> tuple[str, dict[str, Any]]:
        return "sms.otp.mail", {
            "amount": format_amount(row.amount),
            "tracking": (row.meta or {}).get("tracking_number", ""),
        }


open_payment = pending.opening(MailOrder)
"""Hold the price and text the code that confirms it (``/transfers/{id}/confirm``)."""


def on_mail_paid(session: Session, transfer: Transfer) -> None:
    """The customer confirmed: the letter is accepted and sent on its way."""
    letter_id = session.scalar(select(Letter.id).where(Letter.transfer_id == transfer.id))
    if letter_id is None:
        return
    letter = lock_letter(session, letter_id)
    if letter.status != "pending_payment":
        return
    letter.entry_id = transfer.entry_id
    delivery.accept(session, letter, actor=f"customer:{transfer.initiator_id}")
