"""Reversal of a completed payment by an operator: a compensating entry, audited.

Refused with ``insufficient_funds`` when the credited party has already spent
the money: the ledger never overdraws a wallet; the operator settles such a
case by hand.

Refused with ``limit_exceeded`` (``limit: "balance"``) when the money coming
back would take a wallet above its tier's balance cap (a P2P sender, the payer
of a bill or a merchant, the customer of a withdrawal): an operator is there to
read the answer, nothing has moved, and the reversal goes through once the
customer has made room (docs/LEDGER.md, "Money coming back and the balance
cap"). Every wallet the compensating entry would credit is checked, whatever
the type of the payment, under the customers' row locks taken before the
transfer's (the domain's lock order).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock
from app.customers import limits
from app.customers.models import Customer
from app.customers.service import get_customer
from app.errors import LimitExceeded, ValidationFailed
from app.ledger import chart
from app.transfers.errors import TransferNotPending
from app.transfers.lifecycle import REVERSAL_HOOKS
from app.transfers.locks import lock_transfer
from app.transfers.models import Transfer

WALLET_PREFIX = chart.wallet("")  # "wallet:", followed by the customer's id


def reverse_transfer(
    session: Session, transfer_id: str, *, reason: str, admin_id: str, ip: str | None = None
) -> Transfer:
    from app.audit.service import record
    from app.transfers.receipts import reversal_receipts

    if not reason or not reason.strip():
        raise ValidationFailed({"reason": ["A reason is required."]})
    found = session.get(Transfer, transfer_id) if isinstance(transfer_id, str) else None
    parties = [c for c in (found.from_customer_id, found.to_customer_id) if c] if found else []
    if parties:
        limits.lock_customers(session, *(get_customer(session, c) for c in parties))
    transfer = lock_transfer(session, transfer_id)
    if transfer.status == "reversed":
        return transfer
    if transfer.status != "completed" or transfer.entry_id is None:
        raise TransferNotPending(
            f"Only completed transfers can be reversed; this one is {transfer.status}."
        )
    _ensure_within_balance_caps(session, transfer.entry_id)
    for hook in REVERSAL_HOOKS.get(transfer.type, []):
        hook(session, transfer)
    entry = ledger.reverse_entry(
        session, transfer.entry_id, key=f"reversal:{transfer.id}", reason=reason.strip()
    )
    before = {"status": transfer.status}
    transfer.reversal_entry_id = entry.id
    transfer.status = "reversed"
    transfer.reversed_at = clock.now()
    transfer.failure_reason = reason.strip()[:200]
    session.flush()
    record(
        session,
        actor_role="admin",
        actor_id=admin_id,
        action="transfer.reversal",
        target_type="transfer",
        target_id=transfer.id,
        before=before,
        after={"status": "reversed", "reason": reason.strip(), "entry_id": entry.id},
        ip=ip,
    )
    reversal_receipts(session, transfer)
    return transfer


def _ensure_within_balance_caps(session: Session, entry_id: int) -> None:
    """Refuse the reversal if a wallet it credits would go above its balance cap."""
    net: dict[str, int] = defaultdict(int)
    for leg in ledger.reversal_legs(session, entry_id):
        if leg.account.startswith(WALLET_PREFIX):
            net[leg.account] += leg.amount if leg.side == "credit" else -leg.amount
    for account, amount in sorted(net.items()):
        if amount <= 0:
            continue
        customer = session.get(Customer, account.removeprefix(WALLET_PREFIX))
        if customer is None:  # not a customer's wallet: no KYC tier, no cap
            continue
        try:
            limits.check_incoming(session, customer, amount)
        except LimitExceeded as exc:
            room = exc.extra.get("remaining", 0)
            raise LimitExceeded(
                f"Reversing would credit {amount} to a wallet with room for only {room} "
                f"under its {customer.kyc_tier} balance cap; nothing was reversed. Ask the "
                "customer to withdraw or spend the difference first, or settle it by hand.",
                limit="balance",
                remaining=room,
                customer_id=customer.id,
            ) from None
