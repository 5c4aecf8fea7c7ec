"""Hooking hybrid mail into the transfer lifecycle and the ledger checker.

Called once by the application factory (``register_domain_hooks``): a ``mail``
transfer confirmed by its code accepts its letter, whichever channel confirmed
it; a letter's payment is never reversed (the letter was delivered or
printed); ``fees:mail`` must match the paid letters. Registering twice is
harmless.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import ledger
from app.errors import InvalidState
from app.mail.invariants import NAME, fees_mail_matches
from app.mail.payment import on_mail_paid
from app.transfers.lifecycle import never_reversed, on_completed
from app.transfers.models import Transfer


def refuse_reversal(session: Session, transfer: Transfer) -> None:
    """A paid letter went on its way: its payment is not reversed."""
    raise InvalidState("A letter's payment cannot be reversed.")


def register() -> None:
    on_completed("mail", on_mail_paid)
    never_reversed("mail", refuse_reversal)
    ledger.register(NAME, fees_mail_matches)
