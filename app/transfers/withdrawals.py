"""Withdrawals: the customer asks for cash, an agent pays it at any counter.

The customer reserves amount + fee and receives a 6-digit code valid 15
minutes. The paying counter is unknown until the code is presented, so the
reservation is held against ``clearing:withdrawals``; at the counter it is
voided and the real entry (wallet → float, fee, commission) is posted in the
same unit of work (``app/agents/cash.py``). One pending withdrawal per customer
at a time keeps the code unambiguous at the counter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app import ledger
from app.config import Config
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import verify_pin
from app.errors import InvalidState
from app.fees import Quote
from app.ledger import chart
from app.money import format_amount
from app.transfers import pending
from app.transfers.lifecycle import expire_if_stale
from app.transfers.locks import lock_pending_withdrawals
from app.transfers.models import Transfer
from app.transfers.p2p import TRANSFERS

PURPOSE = "withdrawal"


@dataclass(frozen=True, slots=True)
class IssuedWithdrawal:
    transfer: Transfer
    code: str | None  # None when a repeated request returns an earlier withdrawal


def withdrawal_binding(transfer: Transfer) -> dict[str, object]:
    return {"transfer_id": transfer.id, "amount": transfer.amount, "fee": transfer.fee}


@dataclass(kw_only=True)
class WithdrawalOrder(pending.Order[Transfer]):
    """Reserve ``amount`` + fee for a cash-out at any counter: one pending withdrawal
    per customer; with a ``pin`` (USSD) it is checked before anything is reserved."""

    flow = TRANSFERS
    fee_type = "cashout"
    hold = ("withdrawal_hold", "withdrawal:{id}:hold")
    # The code the customer shows at the counter (``app/agents/cash.py`` checks it).
    confirmation = pending.Confirmation(PURPOSE, withdrawal_binding)

    def check(self, session: Session, payer: Customer) -> dict[str, Any]:
        return {}  # a repeated request returns the earlier withdrawal, whatever it was

    def prepare(self, session: Session, payer: Customer) -> None:
        if self.pin is not None:
            verify_pin(session, payer, self.pin)
        limits.lock_customers(session, payer)  # one pending withdrawal, even when racing
        for earlier in lock_pending_withdrawals(session, payer.id):
            if not expire_if_stale(session, earlier):
                raise InvalidState(
                    "A withdrawal code is already pending: use it at a counter or cancel it.",
                    transfer_id=earlier.id,
                )

    def legs(self, payer: Customer, quote: Quote) -> list[ledger.Leg]:
        return [
            ledger.debit(chart.wallet(payer.id), quote.total),
            ledger.credit(chart.CLEARING_WITHDRAWALS, quote.total),
        ]

    def fields(self, payer: Customer) -> dict[str, Any]:
        return {
            "type": "withdrawal",
            "meta": {"from": {"name": payer.display_name, "msisdn": payer.msisdn}},
        }

    def ttl(self, config: Config) -> int:
        return config.WITHDRAWAL_TTL

    def code_text(self, session: Session, row: Transfer) -> tuple[str, dict[str, Any]]:
        return "sms.otp.withdrawal", {"amount": format_amount(row.amount)}

    def code_limits(self, config: Config) -> tuple[int | None, int | None]:
        return config.WITHDRAWAL_TTL, config.WITHDRAWAL_MAX_ATTEMPTS


def create_withdrawal(
    session: Session,
    customer: Customer,
    *,
    amount: int,
    channel: str = "api",
    client_key: str | None = None,
    pin: str | None = None,
) -> IssuedWithdrawal:
    """Reserve amount + fee and issue the cash-out code (also sent by SMS)."""
    order = WithdrawalOrder(amount=amount, channel=channel, client_key=client_key, pin=pin)
    transfer, code = pending.open_with_code(session, customer, order)
    return IssuedWithdrawal(transfer, code)
