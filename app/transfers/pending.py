"""A payment that waits for its payer's word: open it, issue its confirmation, confirm it.

A P2P transfer, a bill payment, a withdrawal, a merchant's payment request and a
remittance sent from a wallet all follow one skeleton, and savings withdrawals
and mail payments will too. It is written here once. A payment module says only
what is its own in an ``Order`` (the parties, the tariff, the legs, the texts)
and describes its table and state machine with a ``Flow``:

1. **Open** (``place``): the parties are checked (``Order.check``); an order
   whose ``client_key`` (a USSD session step) was placed already returns that
   payment, or is refused if it differs; amount + fee are quoted and the limits
   checked under the customers' row locks (``Order.check_limits``:
   ``limits.check_outgoing``, ``check_incoming`` for a wallet credited); the row
   is written, ``pending_confirmation`` until its deadline, and amount + fee
   held in the ledger by one pending entry keyed by the row, so no retry holds
   twice. ``new_row`` alone for a payment posted at once (a merchant's request).
2. **Issue its confirmation** (``open_with_code``, ``issue_confirmation``): an OTP
   bound to what the payer confirms (``Confirmation.binding``), texted, or
   handed back for the caller to deliver in its own reply.
3. **Confirm** by OTP (``confirm_with_otp``): lock the row; confirmed already →
   returned unchanged; past its deadline → expired (``OtpExpired``, kept); a
   wrong code is counted, the last one fails the payment and an expired code
   expires it (kept too); else completed. Or by the PIN typed on a final screen
   (``pay_with_pin``): placed and completed in one unit of work, the PIN checked
   by ``customers.service.verify_pin``.
4. **Cancel** (``cancel``): the hold is released; a payment confirmed already is
   the flow's business (a remittance is refunded, a transfer refuses).

Locks follow docs/LEDGER.md "lock order": customer rows, then the payment's
row, then the ledger's accounts. The table and its transitions stay in the
payment's package (``transfers.lifecycle``, ``remittances.lifecycle``).
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar, Concatenate, Generic, ParamSpec, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import fees, ledger
from app.clock import clock
from app.config import Config
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import ensure_can_transact, verify_pin
from app.db import settings
from app.errors import DomainError, OtpAttemptsExceeded, OtpExpired, ValidationFailed
from app.fees import Quote
from app.ledger import chart

PENDING = "pending_confirmation"

Row = TypeVar("Row", bound=Any)  # a mapped payment row: ``Transfer``, ``Remittance``, ...
P = ParamSpec("P")  # the fields of an order


@dataclass(frozen=True, slots=True)
class Confirmation(Generic[Row]):
    """What an OTP confirms: its purpose (``app.otp``) and the fields it is bound to."""

    purpose: str
    binding: Callable[[Row], dict[str, Any]]


class Flow(ABC, Generic[Row]):
    """One table of payments awaiting confirmation and its state machine, as the
    skeleton sees them. The methods run under the caller's unit of work."""

    model: type[Row]
    noun: str  # in the messages: "The transfer is cancelled."
    payer: str  # who cancels: "cancelled by the customer"
    confirmation: Confirmation[Row]  # what the code checked by ``confirm_with_otp`` confirms
    not_pending: type[DomainError]
    key_reused: type[DomainError]

    @abstractmethod
    def new_reference(self, session: Session) -> str:
        """A free reference for a new row."""

    @abstractmethod
    def payer_fields(self, payer: Customer) -> dict[str, Any]:
        """The row's columns that name its payer (and the zero columns of its kind)."""

    @abstractmethod
    def lock_to_confirm(self, session: Session, row_id: str, customer_id: str) -> Row:
        """The payer's row, locked; NotFound when it is not theirs (no existence leak)."""

    @abstractmethod
    def lock_to_cancel(self, session: Session, row_id: str, customer_id: str) -> Row:
        """As ``lock_to_confirm``, with whatever a cancel must lock before the row."""

    @abstractmethod
    def is_confirmed(self, row: Row) -> bool:
        """Confirmed already: confirming again returns it unchanged."""

    @abstractmethod
    def expire_if_due(self, session: Session, row: Row) -> bool:
        """Expire the row past its deadline; True if it did."""

    @abstractmethod
    def close(self, session: Session, row: Row, status: str, reason: str) -> None:
        """Cancel, fail or expire a pending row and release its hold."""

    @abstractmethod
    def complete(self, session: Session, row: Row) -> Row:
        """Post the hold and move the row on (the payment is made)."""

    @abstractmethod
    def cancel_confirmed(self, session: Session, row: Row) -> None:
        """A cancel of a row that left ``pending_confirmation`` (refund it, or refuse)."""


def find_by_key(
    session: Session, flow: Flow[Row], initiator_id: str, client_key: str | None, **expected: Any
) -> Row | None:
    """The payment this initiator already made with this channel key (a retried step).

    With ``expected`` fields, a payment that differs in one of them is refused:
    the key was reused for another payment.
    """
    if not client_key:
        return None
    model = flow.model
    existing = session.scalar(
        select(model).where(model.initiator_id == initiator_id, model.client_key == client_key)
    )
    if existing is not None:
        for field, value in expected.items():
            if getattr(existing, field) != value:
                raise flow.key_reused()
    return existing


def wallet_legs(payer: Customer, quote: Quote, payee: str, fee_account: str) -> list[ledger.Leg]:
    """Amount + fee out of the payer's wallet: the amount to ``payee``, a fee to ``fee_account``."""
    legs = [
        ledger.debit(chart.wallet(payer.id), quote.total),
        ledger.credit(payee, quote.amount),
    ]
    if quote.fee:
        legs.append(ledger.credit(fee_account, quote.fee))
    return legs


def new_row(
    session: Session,
    flow: Flow[Row],
    payer: Customer,
    *,
    amount: int,
    fee: int,
    channel: str,
    ttl: int | None,
    client_key: str | None = None,
    currency: str | None = None,
    flush: bool = True,
    **fields: Any,
) -> Row:
    """Write a new ``pending_confirmation`` row of ``flow`` (its deadline ``ttl`` seconds
    from now; none without ``ttl``); ``fields`` are the columns of its kind.

    Without ``flush`` the row is only added: its INSERT goes with the next flush,
    with whatever the caller sets meanwhile (``place``: the hold's entry id)."""
    now = clock.now()
    row = flow.model(
        id=str(uuid.uuid4()),
        reference=flow.new_reference(session),
        status=PENDING,
        channel=channel,
        amount=amount,
        fee=fee,
        currency=currency or settings(session).CURRENCY,
        initiator_id=payer.id,
        client_key=client_key,
        created_at=now,
        expires_at=None if ttl is None else now + timedelta(seconds=ttl),
        **flow.payer_fields(payer),
        **fields,
    )
    session.add(row)
    if flush:
        session.flush()
    return row


@dataclass(kw_only=True)
class Order(ABC, Generic[Row]):
    """What a payer asks to pay, before anything is written; one subclass per kind
    of payment says what is its own, ``place`` and the doors below do the rest.

    ``check`` runs first and may keep what it resolved (the recipient, the
    biller) on the order for the methods that follow.
    """

    amount: int
    channel: str = "api"
    client_key: str | None = None
    pin: str | None = None  # typed on a final screen: it authorises the order

    flow: ClassVar[Flow[Any]]  # its table and state machine
    fee_type: ClassVar[str]  # its tariff (``app.fees``)
    # The kind and key of its pending entry; the key is formatted with the row's ``id``.
    hold: ClassVar[tuple[str, str]]
    # What the code of ``open_with_code`` confirms, when not the flow's own.
    confirmation: ClassVar[Confirmation[Any] | None] = None

    @abstractmethod
    def check(self, session: Session, payer: Customer) -> dict[str, Any]:
        """Check the parties (raise if one is wrong); return the fields a payment
        placed already under the same ``client_key`` must have."""

    def prepare(self, session: Session, payer: Customer) -> None:
        """What comes after the check of a repeated order, before the quote."""

    def check_limits(self, session: Session, payer: Customer, quote: Quote) -> None:
        """Refuse what the payer may not pay (``limits.check_outgoing`` locks them)."""
        limits.check_outgoing(session, payer, quote.amount, quote.fee)

    @abstractmethod
    def legs(self, payer: Customer, quote: Quote) -> list[ledger.Leg]:
        """The legs held until the payment is confirmed."""

    @abstractmethod
    def fields(self, payer: Customer) -> dict[str, Any]:
        """The row's columns of this kind of payment (the skeleton writes the common ones)."""

    def ttl(self, config: Config) -> int:
        """Seconds the payment waits for its confirmation."""
        return config.OTP_TTL

    def entry_meta(self, row: Row) -> dict[str, Any] | None:
        """What statements show about the pending entry."""
        return None

    def opened(self, session: Session, row: Row) -> None:
        """Write what goes with the new row (a bill payment's bill)."""

    @abstractmethod
    def code_text(self, session: Session, row: Row) -> tuple[str, dict[str, Any]]:
        """The SMS template of its code and the template's parameters."""

    def code_limits(self, config: Config) -> tuple[int | None, int | None]:
        """How long its code lives and how many tries it allows (``None``: the OTP's defaults)."""
        return None, None

    def lock_before_pin(self, session: Session, payer: Customer) -> None:
        """Customers to lock before the PIN is checked (``pay_with_pin``)."""


def place(session: Session, payer: Customer, order: Order[Row]) -> Row:
    """Check the order, quote it, check the payer's limits, write the row and hold
    amount + fee until its deadline; the same ``client_key`` returns the first payment."""
    flow = order.flow
    ensure_can_transact(payer)
    same = order.check(session, payer)
    existing = find_by_key(session, flow, payer.id, order.client_key, **same)
    if existing is not None:
        return existing
    order.prepare(session, payer)
    config = settings(session)
    quote = fees.quote(config, order.fee_type, order.amount)
    order.check_limits(session, payer, quote)
    row = new_row(
        session,
        flow,
        payer,
        amount=quote.amount,
        fee=quote.fee,
        channel=order.channel,
        ttl=order.ttl(config),
        client_key=order.client_key,
        flush=False,  # inserted with its hold's id below: one INSERT, no UPDATE
        **order.fields(payer),
    )
    kind, key = order.hold
    entry = ledger.hold_entry(
        session,
        key=key.format(id=row.id),
        kind=kind,
        legs=order.legs(payer, quote),
        expires_at=row.expires_at,
        reference=row.reference,
        meta=order.entry_meta(row),
    )
    row.hold_entry_id = entry.id
    session.flush()
    order.opened(session, row)
    return row


def open_with_code(
    session: Session, payer: Customer, order: Order[Row], *, send: bool = True
) -> tuple[Row, str | None]:
    """Place the order and issue the OTP that confirms it; with ``send`` it is texted,
    else returned for the caller to deliver. A repeated order returns the payment
    and no code (it was delivered the first time)."""
    row = place(session, payer, order)
    if row.challenge_id is not None:
        return row, None
    template, params = order.code_text(session, row)
    ttl, max_attempts = order.code_limits(settings(session))
    code = issue_confirmation(
        session,
        order.confirmation or order.flow.confirmation,
        row,
        payer,
        template,
        params,
        ttl=ttl,
        max_attempts=max_attempts,
        send=send,
    )
    return row, code


def issue_confirmation(
    session: Session,
    confirmation: Confirmation[Row],
    row: Row,
    payer: Customer,
    template: str,
    params: dict[str, Any],
    *,
    ttl: int | None = None,
    max_attempts: int | None = None,
    send: bool = True,
) -> str | None:
    """Issue the OTP that confirms ``row`` (``ttl``: ``OTP_TTL`` unless given) and
    remember it on the row; with ``send`` it is texted with ``template``, else
    the code is returned for the caller to deliver."""
    from app.otp.service import issue_challenge

    issued = issue_challenge(
        session,
        subject_id=payer.id,
        msisdn=payer.msisdn,
        language=payer.language,
        purpose=confirmation.purpose,
        binding=confirmation.binding(row),
        template=template,
        params=params,
        ttl=ttl,
        max_attempts=max_attempts,
        send=send,
    )
    row.challenge_id = issued.challenge.id
    session.flush()
    return issued.code


def confirm_with_otp(
    session: Session, flow: Flow[Row], row_id: str, customer_id: str, otp: str
) -> Row:
    """Confirm with the SMS code. Confirming a confirmed payment returns it unchanged."""
    from app.otp.service import verify_challenge

    if not isinstance(otp, str) or not otp.isdigit() or len(otp) != 6:
        raise ValidationFailed({"otp": ["Must be the 6-digit code received by SMS."]})
    row = flow.lock_to_confirm(session, row_id, customer_id)
    if flow.is_confirmed(row):
        return row
    if flow.expire_if_due(session, row):
        raise OtpExpired(f"The code has expired; the {flow.noun} was cancelled.", commit=True)
    if row.status != PENDING:
        raise flow.not_pending(f"The {flow.noun} is {row.status}.")
    binding = flow.confirmation.binding(row)
    try:
        verify_challenge(session, row.challenge_id or "", otp, binding)
    except OtpAttemptsExceeded as exc:
        flow.close(session, row, "failed", "too many wrong codes")
        exc.commit = True
        raise
    except OtpExpired as exc:
        flow.close(session, row, "expired", "code expired")
        exc.commit = True
        raise
    return flow.complete(session, row)


def pay_with_pin(session: Session, payer: Customer, order: Order[Row]) -> Row:
    """Place and complete at once, authorised by the PIN typed on the final screen.

    An order whose ``client_key`` this payer used already returns the first
    payment unchanged (a gateway retrying the step), before anything is checked.
    ``Order.lock_before_pin`` locks the customers a right PIN after a wrong one
    must not take out of id order (it writes the payer's row).
    """
    if order.pin is None:
        raise TypeError("an order paid with the PIN needs its pin")
    existing = find_by_key(session, order.flow, payer.id, order.client_key)
    if existing is not None:
        return existing
    order.lock_before_pin(session, payer)
    verify_pin(session, payer, order.pin)
    row = place(session, payer, order)
    if row.status != PENDING:  # placed meanwhile by a retry of the same step
        return row
    return order.flow.complete(session, row)


def cancel(session: Session, flow: Flow[Row], row_id: str, customer_id: str) -> Row:
    """The payer cancels: a pending payment is released. Cancelling a cancelled
    payment returns it unchanged, and so does one that expired on the way."""
    row = flow.lock_to_cancel(session, row_id, customer_id)
    if row.status == "cancelled":
        return row
    if flow.expire_if_due(session, row):
        return row
    if row.status == PENDING:
        flow.close(session, row, "cancelled", f"cancelled by the {flow.payer}")
    else:
        flow.cancel_confirmed(session, row)
    return row


# -- the doors of a kind of payment --------------------------------------------
#
# A payment module names its doors after its order: ``create_bill_payment =
# pending.opening(BillOrder)`` takes ``(session, payer, biller_code=..., ...)``,
# the order's fields as keywords, typed as the order's own.


def placing(order: Callable[P, Order[Row]]) -> Callable[Concatenate[Session, Customer, P], Row]:
    """Place an order of this kind and leave it pending (``place``)."""

    def door(session: Session, payer: Customer, /, *args: P.args, **kwargs: P.kwargs) -> Row:
        return place(session, payer, order(*args, **kwargs))

    return door


def opening(order: Callable[P, Order[Row]]) -> Callable[Concatenate[Session, Customer, P], Row]:
    """Place an order of this kind and text the OTP that confirms it (the app's door)."""

    def door(session: Session, payer: Customer, /, *args: P.args, **kwargs: P.kwargs) -> Row:
        row, _code = open_with_code(session, payer, order(*args, **kwargs))
        return row

    return door


def paying_with_pin(
    order: Callable[P, Order[Row]],
) -> Callable[Concatenate[Session, Customer, P], Row]:
    """Pay an order of this kind at once with its ``pin`` (``pay_with_pin``; USSD's door:
    the channel is ``ussd`` unless given)."""

    def door(session: Session, payer: Customer, /, *args: P.args, **kwargs: P.kwargs) -> Row:
        placed = order(*args, **kwargs)
        if "channel" not in kwargs:
            placed.channel = "ussd"
        return pay_with_pin(session, payer, placed)

    return door
