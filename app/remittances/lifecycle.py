"""State transitions of a remittance and what each one does to the ledger.

Callers hold the remittance's row lock (``locks.lock_remittance``). Every
transition is also a guarded ``UPDATE … WHERE status IN (…)``, and every way
out of ``awaiting_payout`` (payout in cash, claim to a wallet, refund) posts one
entry under the same idempotency key ``remittance:<id>:settle``: even a race
that slipped past the row lock could not take the money out of
``remit:payable`` twice.

Postings (DESIGN.md):
* payout (cash): ``remit:payable`` → ``float:<agent>``, commission as a leg;
* payout to a wallet and refund: ``remit:payable`` → ``wallet:<customer>``;
* refund of a partner's remittance: ``remit:payable`` → ``partner:<id>``;
* with ``REMITTANCE_REFUND_FEE`` the fee comes back too, from ``fees:remit``;
* a refund that would take the sender's wallet above its balance cap, and a
  cash sender's uncollected remittance, stay in ``remit:payable`` and become a
  ``return`` remittance to the sender, collected in cash (``issue_return``).
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app import fees, ledger
from app.agents.cash import commission_legs
from app.agents.models import StaffUser
from app.clock import clock
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import get_customer
from app.db import rows_matched, settings
from app.ledger import chart
from app.otp.service import expire_challenge
from app.remittances import codes, notifications, webhooks
from app.remittances.errors import RemittanceNotPayable
from app.remittances.models import AWAITING, NAME_MAX, PAID_OUT, PENDING, Remittance
from app.remittances.references import new_reference

log = logging.getLogger(__name__)


def move(
    session: Session, remittance: Remittance, expected: tuple[str, ...], to: str, **values: Any
) -> None:
    """Guarded transition: only from ``expected``; the row is refreshed if it moved on."""
    changes = {"status": to, **values}
    result = session.execute(
        update(Remittance)
        .where(Remittance.id == remittance.id, Remittance.status.in_(expected))
        .values(**changes)
        .execution_options(synchronize_session=False)
    )
    if rows_matched(result) != 1:
        session.refresh(remittance)
        raise RemittanceNotPayable(f"The remittance is {remittance.status}.")
    for name, value in changes.items():
        set_committed_value(remittance, name, value)


def is_due(remittance: Remittance) -> bool:
    """Past the deadline of its current state (OTP or payout)."""
    return (
        remittance.status in (PENDING, AWAITING)
        and remittance.expires_at is not None
        and remittance.expires_at <= clock.now()
    )


def statement_meta(
    remittance: Remittance, *, side: str, type_: str = "remittance", fee: int = 0
) -> dict[str, Any]:
    """What the customer's statement shows about an entry of this remittance."""
    party: dict[str, str | None]
    if side == "to":
        party = {"name": remittance.recipient_name, "msisdn": remittance.recipient_msisdn}
    else:
        party = {"name": remittance.sender_name, "msisdn": remittance.sender_msisdn}
    return {"remittance_id": remittance.id, "type": type_, "fee": fee, side: party}


def _draw_code(session: Session) -> tuple[str, str]:
    secret_key = settings(session).SECRET_KEY
    for _ in range(5):
        code = codes.new_code()
        digest = codes.code_hash(secret_key, code)
        taken = session.scalar(select(Remittance.id).where(Remittance.code_hash == digest))
        if taken is None:
            return code, digest
    raise RuntimeError("could not draw a free remittance code")  # 10^10 codes: never


def activate(
    session: Session, remittance: Remittance, *, sender: Customer | None, from_status: str
) -> None:
    """The money is in ``remit:payable``: issue the code, start the payout clock, tell both."""
    code, digest = _draw_code(session)
    now = clock.now()
    ttl = timedelta(days=settings(session).REMITTANCE_TTL_DAYS)
    move(
        session,
        remittance,
        (from_status,),
        AWAITING,
        code_hash=digest,
        confirmed_at=now,
        expires_at=now + ttl,
    )
    notifications.send_code(session, remittance, code)
    notifications.sender_receipt(session, remittance, sender)
    log.info("remittance %s awaiting payout (%s)", remittance.id, remittance.source)


def _settle(
    session: Session,
    remittance: Remittance,
    *,
    kind: str,
    legs: list[ledger.Leg],
    meta: dict[str, Any],
) -> int:
    entry = ledger.post_entry(
        session,
        key=f"remittance:{remittance.id}:settle",
        kind=kind,
        legs=legs,
        reference=remittance.reference,
        meta=meta,
    )
    return entry.id


def pay_cash(
    session: Session, remittance: Remittance, agent: StaffUser, *, id_type: str, id_number: str
) -> None:
    """Hand over the cash at ``agent``'s counter: ``remit:payable`` → float, with commission."""
    commission = fees.commission(
        settings(session), "remittance_payout", remittance.amount, remittance.fee
    )
    entry_id = _settle(
        session,
        remittance,
        kind="remittance_payout",
        legs=[
            ledger.debit(chart.REMIT_PAYABLE, remittance.amount),
            ledger.credit(chart.float_account(agent.id), remittance.amount),
            *commission_legs(agent.id, commission),
        ],
        meta={"remittance_id": remittance.id, "type": "remittance_payout", "agent_id": agent.id},
    )
    move(
        session,
        remittance,
        (AWAITING,),
        PAID_OUT,
        payout_method="cash",
        payout_channel="agent",
        payout_agent_id=agent.id,
        payout_commission=commission,
        recipient_id_type=id_type,
        recipient_id_number=id_number,
        settle_entry_id=entry_id,
        paid_out_at=clock.now(),
    )
    _after_payout(session, remittance)


def pay_to_wallet(
    session: Session, remittance: Remittance, customer: Customer, *, channel: str
) -> None:
    """Credit the recipient's wallet from ``remit:payable`` (a claim with the code, over
    ``channel``: ``ussd`` or ``api``)."""
    entry_id = _settle(
        session,
        remittance,
        kind="remittance_payout",
        legs=[
            ledger.debit(chart.REMIT_PAYABLE, remittance.amount),
            ledger.credit(chart.wallet(customer.id), remittance.amount),
        ],
        meta=statement_meta(remittance, side="from"),
    )
    move(
        session,
        remittance,
        (AWAITING,),
        PAID_OUT,
        payout_method="wallet",
        payout_channel=channel,
        recipient_customer_id=customer.id,
        settle_entry_id=entry_id,
        paid_out_at=clock.now(),
    )
    notifications.credited_receipt(session, remittance, customer)
    _after_payout(session, remittance)


def _after_payout(session: Session, remittance: Remittance) -> None:
    notifications.paid_notice(session, remittance)
    webhooks.notify(session, remittance)
    log.info("remittance %s paid out (%s)", remittance.id, remittance.payout_method)


def close_pending(session: Session, remittance: Remittance, status: str, reason: str) -> None:
    """Cancel, fail or expire a remittance awaiting its OTP: release the reservation."""
    move(
        session, remittance, (PENDING,), status, closed_at=clock.now(), failure_reason=reason[:200]
    )
    if remittance.hold_entry_id is not None:
        ledger.void_pending(session, remittance.hold_entry_id, reason)
    if remittance.challenge_id is not None:
        expire_challenge(session, remittance.challenge_id)


def refund(session: Session, remittance: Remittance, status: str, reason: str) -> None:
    """Take an unpaid remittance out of ``awaiting_payout`` (``cancelled`` or ``expired``)
    and give the money back to whoever funded it.

    A wallet sender gets it back in the wallet when it fits under their tier's
    balance cap, and as a cash pickup otherwise (``_refund_as_cash``): the cap
    is never passed and the money is never stuck (docs/LEDGER.md, "Money coming
    back and the balance cap").
    """
    if remittance.source == "cash":
        _return_to_cash_sender(session, remittance, status, reason)
        return
    config = settings(session)
    back = remittance.amount
    fee_back = remittance.fee if config.REMITTANCE_REFUND_FEE and remittance.fee else 0
    back += fee_back
    sender = None
    if remittance.source != "partner":
        assert remittance.sender_customer_id is not None
        sender = get_customer(session, remittance.sender_customer_id)
        if not limits.fits_balance(session, sender, back):
            _refund_as_cash(session, remittance, status, reason, sender, fee_back)
            return
    legs = [ledger.debit(chart.REMIT_PAYABLE, remittance.amount)]
    if fee_back:
        legs.append(ledger.debit(chart.fees("remit"), fee_back))
    if remittance.source == "partner":
        assert remittance.partner_id is not None
        # An organisation's remittance goes back to the account that funded it
        # (a payer's disbursement, ``funded.py``); a partner's to its prefunding.
        funding = (remittance.meta or {}).get("funding_account")
        legs.append(ledger.credit(funding or chart.partner(remittance.partner_id), back))
        meta: dict[str, Any] = {"remittance_id": remittance.id, "type": "remittance_refund"}
    else:
        assert remittance.sender_customer_id is not None  # a customer's, as checked above
        legs.append(ledger.credit(chart.wallet(remittance.sender_customer_id), back))
        # On the sender's statement the refund comes back "from" the unpaid recipient.
        meta = statement_meta(remittance, side="from", type_="remittance_refund")
        meta["from"] = {"name": remittance.recipient_name, "msisdn": remittance.recipient_msisdn}
    entry_id = _settle(session, remittance, kind="remittance_refund", legs=legs, meta=meta)
    move(
        session,
        remittance,
        (AWAITING,),
        status,
        settle_entry_id=entry_id,
        closed_at=clock.now(),
        failure_reason=reason[:200],
        meta=_with_refund(remittance, method="wallet" if sender else "funder", amount=back),
    )
    if sender is not None:
        notifications.refund_receipt(session, remittance, sender, back)
    webhooks.notify(session, remittance)
    log.info("remittance %s %s, %d refunded", remittance.id, status, back)


def _with_refund(remittance: Remittance, **refund: Any) -> dict[str, Any]:
    """The remittance's meta with how its money went back (``refund`` in its API view)."""
    return {**(remittance.meta or {}), "refund": refund}


def _refund_as_cash(
    session: Session,
    remittance: Remittance,
    status: str,
    reason: str,
    sender: Customer,
    fee_back: int,
) -> None:
    """The refund would take the sender's wallet above its cap: a cash pickup instead.

    The amount stays in ``remit:payable`` and changes hands to a ``return``
    remittance to the sender, which never expires and can be collected at any
    counter or claimed into the wallet once there is room. A fee given back
    (``REMITTANCE_REFUND_FEE``) joins it there: ``fees:remit`` → ``remit:payable``
    under the settle key. As for a cash sender's return, the row lock and the
    guarded ``move`` out of ``awaiting_payout`` keep a racing payout from paying
    the original too.
    """
    entry_id = None
    if fee_back:
        entry_id = _settle(
            session,
            remittance,
            kind="remittance_refund",
            legs=[
                ledger.debit(chart.fees("remit"), fee_back),
                ledger.credit(chart.REMIT_PAYABLE, fee_back),
            ],
            meta={"remittance_id": remittance.id, "type": "remittance_refund"},
        )
    move(
        session,
        remittance,
        (AWAITING,),
        status,
        settle_entry_id=entry_id,
        closed_at=clock.now(),
        failure_reason=reason[:200],
    )
    back = remittance.amount + fee_back
    returned, code = issue_return(
        session,
        amount=back,
        sender_name="PostCash",
        recipient_name=remittance.sender_name,
        recipient_msisdn=sender.msisdn,
        returned_from_id=remittance.id,
        meta={"returned_from": remittance.reference, "reason": "balance_cap"},
    )
    remittance.meta = _with_refund(
        remittance, method="cash_pickup", amount=back, reference=returned.reference
    )
    session.flush()
    notifications.refund_as_cash(session, remittance, returned, sender, code)
    webhooks.notify(session, remittance)
    log.info(
        "remittance %s %s, %d refunded as cash pickup %s (balance cap)",
        remittance.id,
        status,
        back,
        returned.id,
    )


def issue_return(
    session: Session,
    *,
    amount: int,
    sender_name: str,
    recipient_name: str,
    recipient_msisdn: str,
    initiator_id: str = "system",
    returned_from_id: str | None = None,
    meta: dict[str, Any] | None = None,
) -> tuple[Remittance, str]:
    """A cash pickup of money coming back to someone: ``source="return"``, awaiting
    payout at once, never expiring; the caller has put ``amount`` in ``remit:payable``
    (or left it there) and texts the code, returned here and never stored.

    Used when nobody collected a cash-funded remittance, and when a refund would
    take a wallet above its balance cap (a remittance's, a merchant's).
    """
    now = clock.now()
    code, digest = _draw_code(session)
    returned = Remittance(
        id=str(uuid.uuid4()),
        reference=new_reference(session),
        source="return",
        status=AWAITING,
        channel="system",
        amount=amount,
        fee=0,
        fx_fee=0,
        send_commission=0,
        payout_commission=0,
        currency=settings(session).CURRENCY,
        initiator_id=initiator_id,
        sender_name=sender_name[:NAME_MAX],
        recipient_name=recipient_name[:NAME_MAX],
        recipient_msisdn=recipient_msisdn,
        returned_from_id=returned_from_id,
        code_hash=digest,
        created_at=now,
        confirmed_at=now,
        meta=meta,
    )
    session.add(returned)
    session.flush()
    return returned, code


def _return_to_cash_sender(
    session: Session, remittance: Remittance, status: str, reason: str
) -> None:
    """A cash-funded remittance cannot go back to a wallet: the sender collects it in cash.

    The money stays in ``remit:payable`` and changes hands to a new remittance to
    the sender (``source="return"``) that never expires; the original is closed.
    """
    assert remittance.sender_msisdn is not None
    move(
        session,
        remittance,
        (AWAITING,),
        status,
        closed_at=clock.now(),
        failure_reason=reason[:200],
    )
    returned, code = issue_return(
        session,
        amount=remittance.amount,
        sender_name="PostCash",
        recipient_name=remittance.sender_name,
        recipient_msisdn=remittance.sender_msisdn,
        returned_from_id=remittance.id,
        meta={"returned_from": remittance.reference},
    )
    remittance.meta = _with_refund(
        remittance, method="cash_pickup", amount=remittance.amount, reference=returned.reference
    )
    session.flush()
    notifications.send_return_code(session, returned, code)
    log.info("remittance %s %s, returned as %s", remittance.id, status, returned.id)


def expire_if_due(session: Session, remittance: Remittance) -> bool:
    """Expire a remittance past its deadline: release an OTP hold, or refund; True if it did."""
    if not is_due(remittance):
        return False
    if remittance.status == PENDING:
        close_pending(session, remittance, "expired", "not confirmed in time")
    else:
        days = settings(session).REMITTANCE_TTL_DAYS
        refund(session, remittance, "expired", f"not collected within {days} days")
    return True
