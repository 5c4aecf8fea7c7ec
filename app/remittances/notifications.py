"""The SMS of remittances, one per party per event, each with a dedupe key.

The recipient's code travels only here, as the ``secret`` of ``send_sms``: it
is sealed until the gateway gets it and masked in the stored body. Names are
cut to 24 characters so the longest text still fits one SMS (checked by
``tests/unit/test_remittance_texts.py``). Everything is recorded in the
caller's transaction and leaves after the commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app import ledger
from app.customers.models import Customer
from app.customers.msisdn import mask_msisdn
from app.customers.service import find_by_msisdn
from app.db import settings
from app.ledger import chart
from app.money import format_amount
from app.notify.gsm import gsm_cut
from app.notify.service import send_sms
from app.remittances.models import Remittance

NAME_CUT = 24


def short(name: str | None) -> str:
    return gsm_cut((name or "PostCash").strip(), NAME_CUT)


def _send(
    session: Session,
    *,
    to: str,
    language: str,
    template: str,
    params: dict[str, Any],
    dedupe_key: str,
    secret: str | None = None,
) -> None:
    send_sms(
        session,
        to=to,
        template=template,
        language=language,
        params=params,
        secret=secret,
        purpose="remittance" if secret else "receipt",
        dedupe_key=dedupe_key,
    )


def _language_of(session: Session, msisdn: str) -> str:
    """A registered number gets its customer's language; anyone else French."""
    customer = find_by_msisdn(session, msisdn)
    return customer.language if customer is not None else settings(session).DEFAULT_LANGUAGE


def _balance(session: Session, customer_id: str) -> str:
    return format_amount(ledger.balance(session, chart.wallet(customer_id)).available)


def send_code(session: Session, remittance: Remittance, code: str) -> None:
    """To whoever collects: the code, the amount, who sent it, and where (any post office)."""
    _send(
        session,
        to=remittance.recipient_msisdn,
        language=_language_of(session, remittance.recipient_msisdn),
        template="sms.remittance.code",
        params={
            "amount": format_amount(remittance.amount),
            "sender": short(remittance.sender_name),
            "reference": remittance.reference,
        },
        secret=code,
        dedupe_key=f"remittance:{remittance.id}:code",
    )


def send_return_code(session: Session, returned: Remittance, code: str) -> None:
    """To a cash sender whose remittance nobody collected: collect it back with this code."""
    _send(
        session,
        to=returned.recipient_msisdn,
        language=_language_of(session, returned.recipient_msisdn),
        template="sms.remittance.returned",
        params={"amount": format_amount(returned.amount), "reference": returned.reference},
        secret=code,
        dedupe_key=f"remittance:{returned.id}:code",
    )


def sender_receipt(session: Session, remittance: Remittance, sender: Customer | None) -> None:
    """The sender's receipt: reference, amount, fee, recipient; the new balance for a wallet."""
    msisdn = remittance.sender_msisdn
    if not msisdn:
        return
    params = {
        "amount": format_amount(remittance.amount),
        "fee": format_amount(remittance.fee),
        "reference": remittance.reference,
        "name": short(remittance.recipient_name),
        "msisdn": mask_msisdn(remittance.recipient_msisdn),
    }
    if sender is not None:
        template = "sms.remittance.sent"
        params["balance"] = _balance(session, sender.id)
        language = sender.language
    else:
        template = "sms.remittance.sent_cash"
        language = _language_of(session, msisdn)
    _send(
        session,
        to=msisdn,
        language=language,
        template=template,
        params=params,
        dedupe_key=f"remittance:{remittance.id}:sent",
    )


def paid_notice(session: Session, remittance: Remittance) -> None:
    """Tell a domestic sender their remittance was collected."""
    if not remittance.sender_msisdn or remittance.source == "return":
        return
    _send(
        session,
        to=remittance.sender_msisdn,
        language=_language_of(session, remittance.sender_msisdn),
        template="sms.remittance.paid",
        params={
            "amount": format_amount(remittance.amount),
            "reference": remittance.reference,
            "name": short(remittance.recipient_name),
        },
        dedupe_key=f"remittance:{remittance.id}:paid",
    )


def credited_receipt(session: Session, remittance: Remittance, customer: Customer) -> None:
    """The recipient's receipt when the money lands in their wallet (claim or partner)."""
    _send(
        session,
        to=customer.msisdn,
        language=customer.language,
        template="sms.remittance.credited",
        params={
            "amount": format_amount(remittance.amount),
            "reference": remittance.reference,
            "name": short(remittance.sender_name),
            "balance": _balance(session, customer.id),
        },
        dedupe_key=f"remittance:{remittance.id}:credited",
    )


def refund_receipt(
    session: Session, remittance: Remittance, customer: Customer, amount: int
) -> None:
    """The wallet sender's receipt for a cancelled or expired remittance."""
    template = (
        "sms.remittance.cancelled" if remittance.status == "cancelled" else "sms.remittance.expired"
    )
    _send(
        session,
        to=customer.msisdn,
        language=customer.language,
        template=template,
        params={
            "amount": format_amount(amount),
            "reference": remittance.reference,
            "balance": _balance(session, customer.id),
        },
        dedupe_key=f"remittance:{remittance.id}:refund",
    )


def refund_as_cash(
    session: Session, remittance: Remittance, returned: Remittance, customer: Customer, code: str
) -> None:
    """The wallet sender's refund went to cash pickup (their wallet is at its cap): the code."""
    template = (
        "sms.remittance.cancelled_cash"
        if remittance.status == "cancelled"
        else "sms.remittance.expired_cash"
    )
    _send(
        session,
        to=customer.msisdn,
        language=customer.language,
        template=template,
        params={"amount": format_amount(returned.amount), "reference": remittance.reference},
        secret=code,
        dedupe_key=f"remittance:{returned.id}:code",
    )
