"""The receipt of one counter operation, as the agent who performed it prints it.

``receipt_for`` finds a completed counter operation by its reference (a
transfer — cash-in, cash-out, a walk-in bill — or a cash remittance sent or
paid out) and builds a ``Receipt``: everything the thermal page and the A4 PDF
print, already formatted in French (amounts "15 000 FCFA", the cash in words,
the date in Brazzaville time). Packages whose counter operations live in their
own tables (savings deposits) add a finder with ``register_source``.

Only the agent who performed the operation sees its receipt; for anyone else
the reference does not exist (``not_found``, never ``forbidden``: a reference
typed at another counter must not confirm that it exists). Admins see every
receipt (reprints for a dispute).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agents.models import StaffUser
from app.agents.till import CASH_DIRECTION, cash_of, operation_label
from app.clock import LOCAL_TZ
from app.customers.msisdn import mask_msisdn
from app.db import settings
from app.errors import NotFound
from app.i18n import translate
from app.money import format_amount
from app.receipts.words import amount_in_words
from app.remittances.models import PAID_OUT, PENDING, Remittance
from app.transfers.models import Transfer

# What the agent's day report (``app.agents.report``) calls each transfer type.
TRANSFER_OPERATIONS = {"withdrawal": "cashout"}
DATE_FORMAT = "d MMMM y 'à' HH:mm"
RECEIPT_LANGUAGE = "fr"


@dataclass(frozen=True, slots=True)
class CounterOperation:
    """What a source knows of one operation; ``receipt_for`` turns it into a ``Receipt``.

    ``cash`` is what changed hands at the counter (the total a sender hands
    over, the amount a customer receives); ``details`` are extra labelled lines
    as (catalog key, value), e.g. ``("receipt.label.recipient", "Jean O. +24205*****01")``.
    """

    operation: str
    reference: str
    agent_id: str
    amount: int
    fee: int
    cash: int
    at: datetime
    status: str
    currency: str = "XAF"
    customer_msisdn: str | None = None
    customer_name: str | None = None
    reversed: bool = False
    details: tuple[tuple[str, str], ...] = ()


# (session, reference) → the operations with this reference (usually one; a cash
# remittance sent and paid out by counters gives two).
Finder = Callable[[Session, str], list[CounterOperation]]
_SOURCES: dict[str, Finder] = {}


def register_source(name: str, finder: Finder) -> None:
    """Let a package's counter operations have receipts (``register_domain_hooks``)."""
    _SOURCES[name] = finder


@dataclass(frozen=True, slots=True)
class Receipt:
    """One receipt, every field ready to print (French)."""

    operator: str
    service: str
    post_office: str
    post_office_code: str
    agent: str
    operation: str
    operation_label: str
    reference: str
    status: str
    reversed: bool
    currency: str
    amount: int
    fee: int
    total: int
    cash: int
    cash_direction: str
    cash_label: str
    cash_words: str
    total_words: str
    at: datetime
    at_local: str
    timezone: str
    counterparty: str | None
    counterparty_name: str | None
    details: tuple[tuple[str, str], ...] = field(default=())

    @property
    def amount_text(self) -> str:
        return format_amount(self.amount, self.currency)

    @property
    def fee_text(self) -> str:
        return format_amount(self.fee, self.currency)

    @property
    def total_text(self) -> str:
        return format_amount(self.total, self.currency)

    @property
    def cash_text(self) -> str:
        return format_amount(self.cash, self.currency)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (the web layer's reprint list, tests)."""
        return {
            "operator": self.operator,
            "service": self.service,
            "post_office": self.post_office,
            "post_office_code": self.post_office_code,
            "agent": self.agent,
            "operation": self.operation,
            "operation_label": self.operation_label,
            "reference": self.reference,
            "status": self.status,
            "reversed": self.reversed,
            "currency": self.currency,
            "amount": self.amount,
            "fee": self.fee,
            "total": self.total,
            "cash": self.cash,
            "cash_direction": self.cash_direction,
            "cash_words": self.cash_words,
            "total_words": self.total_words,
            "at": self.at.isoformat(),
            "at_local": self.at_local,
            "counterparty": self.counterparty,
            "counterparty_name": self.counterparty_name,
            "details": [list(line) for line in self.details],
        }


def format_local(at: datetime) -> str:
    """'28 novembre 2026 à 10:05', Brazzaville time."""
    return format_datetime(at, DATE_FORMAT, tzinfo=LOCAL_TZ, locale=RECEIPT_LANGUAGE)


def _masked(msisdn: str | None) -> str | None:
    return mask_msisdn(msisdn) if msisdn else None


def _party(name: str | None, msisdn: str | None) -> str:
    return " ".join(part for part in (name, _masked(msisdn)) if part)


def transfer_operations(session: Session, reference: str) -> list[CounterOperation]:
    """A transfer made at a counter (``agent_id`` set) and completed (or later reversed)."""
    transfer = session.scalar(
        select(Transfer).where(
            Transfer.reference == reference,
            Transfer.agent_id.is_not(None),
            Transfer.status.in_(("completed", "reversed")),
        )
    )
    if transfer is None or transfer.agent_id is None or transfer.completed_at is None:
        return []
    operation = TRANSFER_OPERATIONS.get(transfer.type, transfer.type)
    meta = transfer.meta or {}
    side = "to" if transfer.type == "cashin" else "from"
    party = meta.get(side) or {}
    msisdn = transfer.to_msisdn if side == "to" else transfer.from_msisdn
    details: list[tuple[str, str]] = []
    if transfer.type == "bill":
        biller = (meta.get("to") or {}).get("name")
        if biller:
            details.append(("receipt.label.biller", str(biller)))
        if meta.get("bill_reference"):
            details.append(("receipt.label.bill_reference", str(meta["bill_reference"])))
    _direction, cash = cash_of(operation, transfer.amount, transfer.fee)
    return [
        CounterOperation(
            operation=operation,
            reference=transfer.reference,
            agent_id=transfer.agent_id,
            amount=transfer.amount,
            fee=transfer.fee,
            cash=cash,
            at=transfer.completed_at,
            status=transfer.status,
            currency=transfer.currency,
            customer_msisdn=msisdn or party.get("msisdn"),
            customer_name=party.get("name"),
            reversed=transfer.status == "reversed",
            details=tuple(details),
        )
    ]


def remittance_operations(session: Session, reference: str) -> list[CounterOperation]:
    """A cash remittance sent at a counter, and its cash payout at a counter."""
    remittance = session.scalar(select(Remittance).where(Remittance.reference == reference))
    if remittance is None:
        return []
    found = []
    if (
        remittance.source == "cash"
        and remittance.send_agent_id is not None
        and remittance.status not in (PENDING, "failed")
    ):
        found.append(
            CounterOperation(
                operation="remittance_send",
                reference=remittance.reference,
                agent_id=remittance.send_agent_id,
                amount=remittance.amount,
                fee=remittance.fee,
                cash=remittance.total,
                at=remittance.confirmed_at or remittance.created_at,
                status=remittance.status,
                currency=remittance.currency,
                customer_msisdn=remittance.sender_msisdn,
                customer_name=remittance.sender_name,
                details=(
                    (
                        "receipt.label.recipient",
                        _party(remittance.recipient_name, remittance.recipient_msisdn),
                    ),
                ),
            )
        )
    if (
        remittance.status == PAID_OUT
        and remittance.payout_method == "cash"
        and remittance.payout_agent_id is not None
        and remittance.paid_out_at is not None
    ):
        found.append(
            CounterOperation(
                operation="remittance_payout",
                reference=remittance.reference,
                agent_id=remittance.payout_agent_id,
                amount=remittance.amount,
                fee=0,
                cash=remittance.amount,
                at=remittance.paid_out_at,
                status=remittance.status,
                currency=remittance.currency,
                customer_msisdn=remittance.recipient_msisdn,
                customer_name=remittance.recipient_name,
                details=(
                    (
                        "receipt.label.sender",
                        _party(remittance.sender_name, remittance.sender_msisdn),
                    ),
                ),
            )
        )
    return found


BUILT_IN: tuple[Finder, ...] = (transfer_operations, remittance_operations)


def find_operations(session: Session, reference: str) -> list[CounterOperation]:
    """Every counter operation with this reference, whoever performed it."""
    cleaned = reference.strip().upper() if isinstance(reference, str) else ""
    if not cleaned or len(cleaned) > 40:
        return []
    found: list[CounterOperation] = []
    for finder in (*BUILT_IN, *_SOURCES.values()):
        found += finder(session, cleaned)
    return found


def receipt_for(
    session: Session, agent: StaffUser, reference: str, *, operation: str | None = None
) -> Receipt:
    """The receipt of ``reference`` for ``agent``, who performed it (admins: anyone's;
    a supervisor: those of the agents of their own post office).

    ``operation`` picks one when a reference names two of this agent's operations
    (a cash remittance sent and paid out at the same counter); by default the
    latest. Raises ``NotFound`` for an unknown reference, one not completed, or
    another agent's.
    """
    candidates = [
        op
        for op in find_operations(session, reference)
        if _may_read(session, agent, op.agent_id)
        and (operation is None or op.operation == operation)
    ]
    if not candidates:
        raise NotFound("No counter operation of yours has this reference.")
    # The latest; at the same instant, the one found last (a payout after its send).
    chosen = max(enumerate(candidates), key=lambda pair: (pair[1].at, pair[0]))[1]
    performer = agent if chosen.agent_id == agent.id else session.get(StaffUser, chosen.agent_id)
    assert performer is not None  # agent_id is a foreign key to staff_users
    return build_receipt(session, performer, chosen)


def _may_read(session: Session, reader: StaffUser, performer_id: str) -> bool:
    """Whether ``reader`` may see an operation of ``performer_id``.

    A supervisor reads only their own office's agents, so another office's
    reference answers not_found exactly like an unknown one (no IDOR oracle).
    """
    if reader.role == "admin" or performer_id == reader.id:
        return True
    if reader.role != "supervisor" or not reader.post_office_code:
        return False
    performer = session.get(StaffUser, performer_id)
    return performer is not None and performer.post_office_code == reader.post_office_code


def build_receipt(session: Session, performer: StaffUser, op: CounterOperation) -> Receipt:
    """Format one operation as a receipt (French), with the performing agent's office."""
    config = settings(session)
    lang = RECEIPT_LANGUAGE
    direction = CASH_DIRECTION.get(op.operation, "in")
    total = op.amount + op.fee
    return Receipt(
        operator=config.OPERATOR_NAME,
        service=config.SERVICE_NAME,
        post_office=performer.post_office or config.SERVICE_NAME,
        post_office_code=performer.post_office_code or "",
        agent=performer.username,
        operation=op.operation,
        operation_label=operation_label(op.operation, lang),
        reference=op.reference,
        status=op.status,
        reversed=op.reversed,
        currency=op.currency,
        amount=op.amount,
        fee=op.fee,
        total=total,
        cash=op.cash,
        cash_direction=direction,
        cash_label=translate(f"receipt.label.cash_{direction}", lang),
        cash_words=amount_in_words(op.cash, op.currency),
        total_words=amount_in_words(total, op.currency),
        at=op.at,
        at_local=format_local(op.at),
        timezone=LOCAL_TZ.key,
        counterparty=_masked(op.customer_msisdn),
        counterparty_name=op.customer_name,
        details=tuple((translate(key, lang), value) for key, value in op.details),
    )
