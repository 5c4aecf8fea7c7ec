"""One handler per command: call the domain, say what to answer.

Each handler gets the session, the customer (known, allowed to transact) and
the parsed command, calls the same domain functions as REST and USSD
(``app.transfers.p2p``, ``app.customers.service``, ``app.otp.service``) and
returns a ``Reply``. No limit, fee or state rule is written here: a refusal
is a ``DomainError`` that the service turns into the matching text.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from sqlalchemy.orm import Session

from app.clock import clock
from app.customers.models import Customer
from app.customers.service import get_customer, wallet_balance
from app.db import settings
from app.errors import InternalError
from app.money import format_amount
from app.otp.service import resend_challenge
from app.savings.accounts import summary as savings_summary
from app.savings.errors import SavingsAccountNotFound
from app.sms.inbound import parser
from app.sms.inbound.parser import Command
from app.sms.inbound.replies import NAME_WIDTH, Reply, caps, statement_lines, usage
from app.transfers.p2p import (
    cancel_transfer,
    confirm_transfer,
    create_p2p_with_code,
    latest_pending,
)
from app.transfers.statements import customer_statement

Handler = Callable[[Session, Customer, Command], Reply]

CHANNEL = "sms"


def balance(session: Session, customer: Customer, command: Command) -> Reply:
    """SOLDE: what the customer can spend now, and what pending payments hold back."""
    wallet = wallet_balance(session, customer)
    params = {"available": format_amount(wallet.available, wallet.currency)}
    if wallet.pending:
        params["pending"] = format_amount(wallet.pending, wallet.currency)
        return Reply("smscmd.balance.pending", params)
    return Reply("smscmd.balance", params)


def send(session: Session, customer: Customer, command: Command) -> Reply:
    """ENVOI: the same pending P2P as the app, answered with its summary and the code.

    The code travels in this one reply (``secret``), which is tied to the OTP
    challenge so that ``RENVOI`` can send it again if it does not arrive.
    """
    if command.problem or command.to is None or command.amount is None:
        return usage(command)
    transfer, code = create_p2p_with_code(
        session, customer, to=command.to, amount=command.amount, channel=CHANNEL
    )
    if code is None or transfer.expires_at is None:
        raise InternalError("A new SMS transfer came without its code.")
    recipient = get_customer(session, transfer.to_customer_id or "")
    minutes = max(1, math.ceil((transfer.expires_at - clock.now()).total_seconds() / 60))
    return Reply(
        "smscmd.send.confirm",
        {
            "amount": format_amount(transfer.amount, transfer.currency),
            "name": recipient.display_name[:NAME_WIDTH],
            "fee": format_amount(transfer.fee, transfer.currency),
            "total": format_amount(transfer.total, transfer.currency),
            "minutes": minutes,
        },
        secret=code,
        purpose="otp",
        expires_at=transfer.expires_at,
        challenge_id=transfer.challenge_id,
    )


def confirm(session: Session, customer: Customer, command: Command) -> Reply:
    """OUI <code>: confirm the latest pending SMS transfer; its receipt is the answer."""
    if command.problem or command.code is None:
        return usage(command)
    pending = latest_pending(session, customer.id, channel=CHANNEL)
    if pending is None:
        return Reply("smscmd.none_pending")
    confirm_transfer(session, pending.id, customer.id, command.code)
    return Reply.already_sent()


def cancel(session: Session, customer: Customer, command: Command) -> Reply:
    """NON: cancel the latest pending SMS transfer; the reserved money is released."""
    pending = latest_pending(session, customer.id, channel=CHANNEL)
    if pending is None:
        return Reply("smscmd.none_pending")
    transfer = cancel_transfer(session, pending.id, customer.id)
    name = ((transfer.meta or {}).get("to") or {}).get("name") or ""
    template = "smscmd.cancel.done" if transfer.status == "cancelled" else "smscmd.cancel.expired"
    return Reply(
        template,
        {"amount": format_amount(transfer.amount, transfer.currency), "name": name[:NAME_WIDTH]},
    )


def statement(session: Session, customer: Customer, command: Command) -> Reply:
    """RELEVE: the last three operations and the balance after the newest."""
    items, _cursor = customer_statement(session, customer, limit=3)
    if not items:
        return Reply("smscmd.statement.empty")
    return Reply(
        "smscmd.statement",
        {
            "lines": statement_lines(items, customer.language),
            "balance": format_amount(items[0]["balance_after"], settings(session).CURRENCY),
        },
    )


def resend(session: Session, customer: Customer, command: Command) -> Reply:
    """RENVOI: the code of the pending SMS transfer again, at once if it failed to arrive."""
    pending = latest_pending(session, customer.id, channel=CHANNEL)
    if pending is None or pending.challenge_id is None:
        return Reply("smscmd.none_pending")
    challenge = resend_challenge(
        session, pending.challenge_id, msisdn=customer.msisdn, language=customer.language
    )
    return Reply.already_sent(challenge.sms_message_id)


def savings(session: Session, customer: Customer, command: Command) -> Reply:
    """EPARGNE: the livret's balance and the interest provisioned so far this year."""
    try:
        view = savings_summary(session, customer)
    except SavingsAccountNotFound:
        return Reply("smscmd.savings.none", {})
    currency = str(view["currency"])
    return Reply(
        "smscmd.savings",
        {
            "number": view["number"],
            "balance": format_amount(int(view["balance"]), currency),
            "interest": format_amount(int(view["accrued_interest"]), currency),
        },
    )


def help_text(session: Session, customer: Customer, command: Command) -> Reply:
    """AIDE, and the answer to anything we could not read."""
    return Reply("smscmd.help", caps(settings(session)))


HANDLERS: dict[str, Handler] = {
    parser.BALANCE: balance,
    parser.SEND: send,
    parser.CONFIRM: confirm,
    parser.CANCEL: cancel,
    parser.STATEMENT: statement,
    parser.RESEND: resend,
    parser.HELP: help_text,
    parser.SAVINGS: savings,
    parser.UNKNOWN: help_text,
}
