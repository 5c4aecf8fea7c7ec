"""State transitions of a transfer and what each one does to the ledger.

Callers hold the transfer's row lock (``locks.lock_transfer``). Completion posts
the pending entry; cancel, failure and expiry void it. Type-specific follow-ups
(receipts, a biller's notification) are registered per transfer type in
``COMPLETION_HOOKS`` and run inside the same unit of work; anything they send
goes through the outbox, so it leaves only after the commit. ``REVERSAL_HOOKS``
do the same for an operator's reversal, before its entry is posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from app import ledger
from app.clock import clock
from app.transfers.errors import TransferNotPending
from app.transfers.models import Transfer

log = logging.getLogger(__name__)

CompletionHook = Callable[[Session, Transfer], None]
COMPLETION_HOOKS: dict[str, list[CompletionHook]] = {}
# Run under the transfer's lock before its compensating entry is posted: a hook
# may refuse the reversal (raise a DomainError) or update its own rows.
REVERSAL_HOOKS: dict[str, list[CompletionHook]] = {}
# Checks only (they raise a DomainError, change nothing): a kind of payment that is
# never reversed says so here too, so a reversal can be refused when it is proposed
# rather than when a second operator approves it (``reversal.check_reversible``).
REVERSAL_CHECKS: dict[str, list[CompletionHook]] = {}

PENDING = "pending_confirmation"


def on_completed(transfer_type: str, hook: CompletionHook) -> None:
    """Register a follow-up of completion; registering the same hook twice is a no-op."""
    hooks = COMPLETION_HOOKS.setdefault(transfer_type, [])
    if hook not in hooks:
        hooks.append(hook)


def on_reversing(transfer_type: str, hook: CompletionHook) -> None:
    """Register a check or follow-up of a reversal; registering twice is a no-op."""
    hooks = REVERSAL_HOOKS.setdefault(transfer_type, [])
    if hook not in hooks:
        hooks.append(hook)


def never_reversed(transfer_type: str, check: CompletionHook) -> None:
    """Register a refusal of every reversal of this type (registered as a reversal hook
    too); registering twice is a no-op."""
    on_reversing(transfer_type, check)
    checks = REVERSAL_CHECKS.setdefault(transfer_type, [])
    if check not in checks:
        checks.append(check)


def is_stale(transfer: Transfer) -> bool:
    return (
        transfer.status == PENDING
        and transfer.expires_at is not None
        and transfer.expires_at <= clock.now()
    )


def complete_pending(session: Session, transfer: Transfer) -> Transfer:
    """Post the reserved entry and mark the transfer completed."""
    if transfer.status != PENDING:
        raise TransferNotPending(f"transfer is {transfer.status}")
    assert transfer.hold_entry_id is not None
    ledger.post_pending(session, transfer.hold_entry_id)
    transfer.entry_id = transfer.hold_entry_id
    return mark_completed(session, transfer)


def mark_completed(session: Session, transfer: Transfer) -> Transfer:
    transfer.status = "completed"
    transfer.completed_at = clock.now()
    session.flush()
    _count(transfer, "completed")
    for hook in COMPLETION_HOOKS.get(transfer.type, []):
        hook(session, transfer)
    return transfer


def close_pending(session: Session, transfer: Transfer, status: str, reason: str) -> Transfer:
    """Cancel, fail or expire a pending transfer and release its reservation."""
    if transfer.status != PENDING:
        raise TransferNotPending(f"transfer is {transfer.status}")
    if transfer.hold_entry_id is not None:
        ledger.void_pending(session, transfer.hold_entry_id, reason)
    if transfer.challenge_id is not None:
        from app.otp.service import expire_challenge

        expire_challenge(session, transfer.challenge_id)
    transfer.status = status
    transfer.closed_at = clock.now()
    transfer.failure_reason = reason[:200]
    session.flush()
    _count(transfer, status)
    return transfer


def expire_if_stale(session: Session, transfer: Transfer) -> bool:
    """Expire a pending transfer past its deadline; True if it did."""
    if is_stale(transfer):
        close_pending(session, transfer, "expired", "not confirmed in time")
        return True
    return False


def _count(transfer: Transfer, outcome: str) -> None:
    try:
        from app.ops.metrics import TRANSFERS
    except ImportError:  # metrics are optional for domain code
        return
    TRANSFERS.labels(type=transfer.type, outcome=outcome).inc()
