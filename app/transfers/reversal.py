"""Reversal of a completed payment by an operator: a compensating entry, audited.

Refused with ``insufficient_funds`` when the credited party has already spent
the money: the ledger never overdraws a wallet; the operator settles such a
case by hand.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock
from app.errors import ValidationFailed
from app.transfers.errors import TransferNotPending
from app.transfers.lifecycle import REVERSAL_HOOKS
from app.transfers.locks import lock_transfer
from app.transfers.models import Transfer


def reverse_transfer(
    session: Session, transfer_id: str, *, reason: str, admin_id: str, ip: str | None = None
) -> Transfer:
    from app.audit.service import record
    from app.transfers.receipts import reversal_receipts

    if not reason or not reason.strip():
        raise ValidationFailed({"reason": ["A reason is required."]})
    transfer = lock_transfer(session, transfer_id)
    if transfer.status == "reversed":
        return transfer
    if transfer.status != "completed" or transfer.entry_id is None:
        raise TransferNotPending(
            f"Only completed transfers can be reversed; this one is {transfer.status}."
        )
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
