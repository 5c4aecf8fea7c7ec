"""Freezing a customer: the compliance officer's stop on an account (fraud, court order).

A frozen customer can still sign in and read their balance, and money owed back
to them (a refund, a released reservation) still reaches the wallet; payments a
sender chooses to make to them (P2P, cash-in, bulk lines) are refused where the
recipient is checked. Nothing leaves the wallet: every channel
refuses to start a payment (``ensure_can_transact``), the wallet's ledger
account refuses any debit (status ``frozen``), and what was already waiting for
its confirmation is cancelled with its reservation released, so no OTP or
withdrawal code issued before the freeze can still move the money. Remittances
already sent (awaiting payout) belong to their recipient and are left alone.

Lock order, the same as a confirmation's: the customer, then their pending
transfers and remittances (id order), then the wallet. A confirmation holds one
pending row and then the wallet, so it either completes before the freeze
(the payment happened before the decision) or finds its row cancelled.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app import ledger
from app.audit import record_by
from app.audit.reasons import operator_reason
from app.auth.principal import Principal
from app.clock import clock
from app.customers.locks import lock_customer
from app.customers.models import Customer
from app.customers.pin_locks import pin_locked
from app.errors import NotFound
from app.ledger import chart
from app.remittances import lifecycle as remittance_lifecycle
from app.remittances.locks import lock_pending_sent_by
from app.runtime import settings
from app.transfers.lifecycle import close_pending
from app.transfers.locks import lock_pending_from

log = logging.getLogger(__name__)

FROZEN = "account frozen by an operator"


@dataclass(frozen=True, slots=True)
class Freeze:
    customer: Customer
    cancelled_transfers: list[str]
    cancelled_remittances: list[str]


def freeze_customer(
    session: Session, customer_id: str, *, reason: str, by: Principal | None = None
) -> Freeze:
    """Stop all money leaving the customer's wallet; idempotent."""
    why = operator_reason(reason)
    customer = _locked(session, customer_id)
    if customer.status == "frozen":
        return Freeze(customer, [], [])
    transfers = lock_pending_from(session, customer.id)
    remittances = lock_pending_sent_by(session, customer.id)
    before = customer.status
    customer.status = "frozen"
    customer.updated_at = clock.now()
    ledger.set_status(session, chart.wallet(customer.id), "frozen")
    for transfer in transfers:
        close_pending(session, transfer, "cancelled", FROZEN)
    for remittance in remittances:
        remittance_lifecycle.close_pending(session, remittance, "cancelled", FROZEN)
    done = Freeze(customer, [t.id for t in transfers], [r.id for r in remittances])
    _audit(session, customer, "freeze", before, why, by, done)
    log.warning(
        "customer %s frozen; %d pending payment(s) cancelled",
        customer.id,
        len(transfers) + len(remittances),
    )
    return done


def unfreeze_customer(
    session: Session, customer_id: str, *, reason: str, by: Principal | None = None
) -> Customer:
    """Let money leave the wallet again; a customer frozen while PIN-locked stays locked
    (until that lock ends, when it is a temporary one)."""
    why = operator_reason(reason)
    customer = _locked(session, customer_id)
    if customer.status != "frozen":
        return customer
    locked = pin_locked(customer, settings(session), clock.now())
    customer.status = "locked" if locked else "active"
    customer.updated_at = clock.now()
    ledger.set_status(session, chart.wallet(customer.id), "active")
    _audit(session, customer, "unfreeze", "frozen", why, by, None)
    log.warning("customer %s unfrozen (%s)", customer.id, customer.status)
    return customer


def _locked(session: Session, customer_id: str) -> Customer:
    customer = lock_customer(session, customer_id)
    if customer is None:
        raise NotFound("No such customer.")
    return customer


def _audit(
    session: Session,
    customer: Customer,
    verb: str,
    before: str,
    reason: str,
    by: Principal | None,
    done: Freeze | None,
) -> None:
    after: dict[str, object] = {"status": customer.status, "reason": reason}
    if done is not None:
        after["cancelled_transfers"] = done.cancelled_transfers
        after["cancelled_remittances"] = done.cancelled_remittances
    record_by(
        session,
        by,
        action=f"customer.{verb}",
        target_type="customer",
        target_id=customer.id,
        before={"status": before},
        after=after,
    )
