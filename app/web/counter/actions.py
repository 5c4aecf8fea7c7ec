"""The counter's money operations, each in two steps: a preview, then the commit.

An operation names its form, what its confirmation screen shows (``preview``:
checked by the domain service's own quote, nothing written) and how it commits
(``commit``: the same service as REST, returning the reference of the receipt).
The checked input travels from the preview to the commit sealed
(``app.secretbox``, bound to the agent and dated), so a confirmation page holds
no readable code and cannot be edited into another payment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from wtforms import Form

from app.agents import cash
from app.agents.models import StaffUser
from app.customers.msisdn import mask_msisdn
from app.db import settings
from app.errors import ValidationFailed
from app.i18n.web import page_text as _
from app.money import format_amount
from app.payments import counter as bill_counter
from app.remittances import counter as remit_counter
from app.savings import movements as savings
from app.web import sealed_form
from app.web.counter import forms

PURPOSE = "counter-confirmation"


@dataclass(frozen=True, slots=True)
class Preview:
    """What the agent checks before confirming."""

    rows: list[tuple[str, str]]
    amount: int
    fee: int
    total: int
    note: str
    asks_code: bool = False


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    form: type[Form]
    preview: Callable[[Session, StaffUser, dict[str, Any]], Preview]
    commit: Callable[[Session, StaffUser, dict[str, Any], str], str]
    receipt_operation: str  # which operation of the reference the receipt shows
    confirm_label: str = "form.confirm"


def _money_rows(amount: int, fee: int) -> list[tuple[str, str]]:
    return [
        (_("confirm.amount"), format_amount(amount)),
        (_("confirm.fee"), format_amount(fee)),
        (_("confirm.total"), format_amount(amount + fee)),
    ]


# -- cash-in ---------------------------------------------------------------------------


def _cash_in_preview(session: Session, agent: StaffUser, data: dict[str, Any]) -> Preview:
    customer = cash.quote_cash_in(session, msisdn=data["msisdn"], amount=data["amount"])
    rows = [(_("confirm.customer"), f"{customer.display_name} ({customer.msisdn})")]
    return Preview(
        rows + _money_rows(data["amount"], 0),
        data["amount"],
        0,
        data["amount"],
        _("confirm.to_collect", total=format_amount(data["amount"])),
    )


def _cash_in_commit(session: Session, agent: StaffUser, data: dict[str, Any], key: str) -> str:
    transfer = cash.cash_in(
        session, agent, msisdn=data["msisdn"], amount=data["amount"], client_key=f"counter:{key}"
    )
    return transfer.reference


# -- cash-out --------------------------------------------------------------------------


def _cash_out_preview(session: Session, agent: StaffUser, data: dict[str, Any]) -> Preview:
    withdrawal = cash.pending_withdrawal(session, data["msisdn"])
    name = ((withdrawal.meta or {}).get("from") or {}).get("name") or ""
    rows = [(_("confirm.customer"), f"{name} ({mask_msisdn(withdrawal.from_msisdn or '')})")]
    return Preview(
        rows + _money_rows(withdrawal.amount, withdrawal.fee),
        withdrawal.amount,
        withdrawal.fee,
        withdrawal.total,
        _("confirm.to_hand_over", amount=format_amount(withdrawal.amount)),
        asks_code=True,
    )


def _cash_out_commit(session: Session, agent: StaffUser, data: dict[str, Any], key: str) -> str:
    code = data.get("code") or ""
    if not code:
        raise ValidationFailed({"code": ["Must be the customer's 6-digit withdrawal code."]})
    return cash.cash_out(session, agent, msisdn=data["msisdn"], code=code).reference


# -- remittance sent in cash -----------------------------------------------------------


def _parties(data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    sender = {
        "name": data["sender_name"],
        "msisdn": data["sender_msisdn"],
        "id_type": data.get("sender_id_type") or None,
        "id_number": data.get("sender_id_number") or None,
    }
    recipient = {"name": data["recipient_name"], "msisdn": data["recipient_msisdn"]}
    return sender, recipient


def _remit_send_preview(session: Session, agent: StaffUser, data: dict[str, Any]) -> Preview:
    sender, recipient = _parties(data)
    quote = remit_counter.quote_send_cash(
        session, sender=sender, recipient=recipient, amount=data["amount"]
    )
    rows = [
        (_("confirm.sender"), f"{quote.sender_name} ({quote.sender_msisdn})"),
        (_("confirm.recipient"), f"{quote.recipient_name} ({quote.recipient_msisdn})"),
    ]
    if quote.sender_id_type:
        document = f"{_('idtype.' + quote.sender_id_type)} {quote.sender_id_number}"
        rows.append((_("confirm.id"), document))
    return Preview(
        rows + _money_rows(quote.amount, quote.fee),
        quote.amount,
        quote.fee,
        quote.total,
        _("confirm.to_collect", total=format_amount(quote.total)),
    )


def _remit_send_commit(session: Session, agent: StaffUser, data: dict[str, Any], key: str) -> str:
    sender, recipient = _parties(data)
    remittance = remit_counter.send_cash(
        session, agent, sender=sender, recipient=recipient, amount=data["amount"]
    )
    return remittance.reference


# -- remittance paid out ---------------------------------------------------------------


def _payout_preview(session: Session, agent: StaffUser, data: dict[str, Any]) -> Preview:
    remittance = remit_counter.preview_payout(session, agent, code=data["code"])
    document = f"{_('idtype.' + data['recipient_id_type'])} {data['recipient_id_number']}"
    rows = [
        (_("confirm.reference"), remittance.reference),
        (_("confirm.sender"), remittance.sender_name or ""),
        (_("confirm.recipient"), remittance.recipient_name or ""),
        (_("confirm.id"), document),
    ]
    return Preview(
        rows + _money_rows(remittance.amount, 0),
        remittance.amount,
        0,
        remittance.amount,
        _("confirm.to_hand_over", amount=format_amount(remittance.amount)),
    )


def _payout_commit(session: Session, agent: StaffUser, data: dict[str, Any], key: str) -> str:
    remittance = remit_counter.pay_out(
        session,
        agent,
        code=data["code"],
        recipient_id_type=data["recipient_id_type"],
        recipient_id_number=data["recipient_id_number"],
    )
    return remittance.reference


# -- a walk-in's bill ------------------------------------------------------------------


def _bill_args(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "biller_code": data["biller_code"],
        "bill_reference": data["bill_reference"],
        "amount": data["amount"],
        "payer_name": data["payer_name"],
        "payer_msisdn": data.get("payer_msisdn") or None,
    }


def _bill_preview(session: Session, agent: StaffUser, data: dict[str, Any]) -> Preview:
    quote = bill_counter.quote_walk_in_bill(session, agent, **_bill_args(data))
    rows = [
        (_("confirm.biller"), quote.biller.name),
        (_("confirm.bill_reference"), quote.bill_reference),
        (_("confirm.customer"), quote.payer_name),
    ]
    return Preview(
        rows + _money_rows(quote.amount, quote.fee),
        quote.amount,
        quote.fee,
        quote.total,
        _("confirm.to_collect", total=format_amount(quote.total)),
    )


def _bill_commit(session: Session, agent: StaffUser, data: dict[str, Any], key: str) -> str:
    transfer = bill_counter.pay_bill_in_cash(
        session, agent, client_key=f"counter:{key}", **_bill_args(data)
    )
    return transfer.reference


# -- a savings deposit in cash -----------------------------------------------------------


def _savings_preview(session: Session, agent: StaffUser, data: dict[str, Any]) -> Preview:
    quote = savings.quote_cash_deposit(
        session, account_number=data["account_number"], amount=data["amount"]
    )
    rows = [
        (_("savings.account"), quote.account_number),
        (_("confirm.customer"), quote.owner_name),
    ]
    return Preview(
        rows + _money_rows(quote.amount, 0),
        quote.amount,
        0,
        quote.amount,
        _("confirm.to_collect", total=format_amount(quote.amount)),
    )


def _savings_commit(session: Session, agent: StaffUser, data: dict[str, Any], key: str) -> str:
    transfer = savings.deposit_cash(
        session, agent, account_number=data["account_number"], amount=data["amount"]
    )
    return transfer.reference


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("cash_in", forms.CashInForm, _cash_in_preview, _cash_in_commit, "cashin"),
        Operation(
            "cash_out",
            forms.CashOutForm,
            _cash_out_preview,
            _cash_out_commit,
            "cashout",
            "form.confirm_pay",
        ),
        Operation(
            "remit_send",
            forms.RemitSendForm,
            _remit_send_preview,
            _remit_send_commit,
            "remittance_send",
        ),
        Operation(
            "remit_payout",
            forms.PayoutForm,
            _payout_preview,
            _payout_commit,
            "remittance_payout",
            "form.confirm_pay",
        ),
        Operation("bill", forms.BillForm, _bill_preview, _bill_commit, "bill"),
        Operation(
            "savings",
            forms.SavingsDepositForm,
            _savings_preview,
            _savings_commit,
            "savings_deposit",
        ),
    )
}


def threshold_text(session: Session) -> str:
    return format_amount(settings(session).REMITTANCE_CASH_ID_THRESHOLD)


# -- the sealed payload ----------------------------------------------------------------


def seal_payload(secret_key: str, agent_id: str, operation: str, data: dict[str, Any]) -> str:
    return sealed_form.seal_payload(secret_key, PURPOSE, agent_id, operation, data)


def open_payload(
    secret_key: str, agent_id: str, operation: str, token: str
) -> dict[str, Any] | None:
    """The data sealed on the confirmation page, or None (``sealed_form.open_payload``)."""
    return sealed_form.open_payload(secret_key, PURPOSE, agent_id, operation, token)
