"""Errors of the ledger. Most are the shared domain errors; these add ledger cases."""

from __future__ import annotations

from app.errors import Conflict, DomainError, InternalError, InvalidState, NotFound


class LedgerError(DomainError):
    """Root of errors only the ledger raises."""


class AccountNotFound(NotFound, LedgerError):
    """No ledger account has this code."""

    title = "Account not found"


class EntryNotFound(NotFound, LedgerError):
    """No ledger entry has this id."""

    title = "Entry not found"


class IdempotencyConflict(Conflict, LedgerError):
    """The idempotency key was used for an entry with different legs."""

    title = "Idempotency key already used for a different entry"


class UnbalancedEntry(InternalError, LedgerError):
    """Debits and credits of an entry differ: always a bug in the caller."""

    title = "Unbalanced entry"


class InvalidEntry(InternalError, LedgerError):
    """Legs that make no sense (no legs, zero amount, currency mismatch): a caller bug."""

    title = "Invalid entry"


class EntryNotPending(InvalidState, LedgerError):
    """Posting or voiding an entry that is no longer pending."""

    title = "Entry is not pending"


class HoldExpired(InvalidState, LedgerError):
    """Posting a pending entry after its expiry: it can only be voided."""

    code = "hold_expired"
    title = "The reservation has expired"


class AlreadyReversed(InvalidState, LedgerError):
    """An entry is reversed at most once."""

    title = "Entry already reversed"
