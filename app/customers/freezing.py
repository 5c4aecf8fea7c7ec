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

The packages owning pending payments (transfers, remittances) register how to
lock and cancel them with ``on_freezing`` (``register_domain_hooks`` in
``app/__init__.py``): every kind's rows are locked before the wallet, then
cancelled, in the order the kinds were registered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app import ledger
from app.audit import record_by
from app.audit.reasons import operator_reason
from app.clock import clock
from app.customers.locks import lock_customer
from app.customers.models import Customer
from app.customers.pin_locks import pin_locked
from app.db import settings
from app.errors import NotFound
from app.ledger import chart
from app.principal import Principal

log = logging.getLogger(__name__)

FROZEN = "account frozen by an operator"

# lock(session, customer_id) -> the customer's pending rows, locked, in id order;
# close(session, row, status, reason) cancels one and releases its reservation.
LockPending = Callable[[Session, str], Sequence[Any]]
ClosePending = Callable[[Session, Any, str, str], object]
FREEZE_HOOKS: dict[str, tuple[LockPending, ClosePending]] = {}


def on_freezing(kind: str, lock: LockPending, close: ClosePending) -> None:
    """Register a kind of pending payment a freeze cancels ("transfers", "remittances");
    registering a kind again replaces it (harmless)."""
    FREEZE_HOOKS[kind] = (lock, close)


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
    held = [
        (kind, lock(session, customer.id), close) for kind, (lock, close) in FREEZE_HOOKS.items()
    ]
    before = customer.status
    customer.status = "frozen"
    customer.updated_at = clock.now()
    ledger.set_status(session, chart.wallet(customer.id), "frozen")
    cancelled: dict[str, list[str]] = {}
    for kind, rows, close in held:
        for row in rows:
            close(session, row, "cancelled", FROZEN)
        cancelled[kind] = [row.id for row in rows]
    done = Freeze(customer, cancelled.get("transfers", []), cancelled.get("remittances", []))
    _audit(session, customer, "freeze", before, why, by, done)
    log.warning(
        "customer %s frozen; %d pending payment(s) cancelled",
        customer.id,
        sum(len(ids) for ids in cancelled.values()),
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
