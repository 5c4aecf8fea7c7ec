"""Errors of remittances; each keeps a stable code of API.md through its parent."""

from __future__ import annotations

from app.errors import Conflict, InvalidOtp, InvalidState, LimitExceeded, NotFound


class RemittanceNotFound(NotFound):
    """No remittance with this id (or partner reference) is visible to the caller."""

    title = "Remittance not found"


class RemittanceNotPending(InvalidState):
    """The remittance left ``pending_confirmation`` and cannot be confirmed any more."""

    title = "Remittance is not awaiting confirmation"


class RemittanceNotPayable(InvalidState):
    """The code is right but the remittance was already paid out, cancelled or expired."""

    title = "Remittance cannot be paid out"


class RemittanceNotCancellable(InvalidState):
    """Only the sender's own wallet remittance, before payout, can be cancelled."""

    title = "Remittance cannot be cancelled"


class WrongRemittanceCode(InvalidOtp):
    """No remittance awaiting payout has this code (for this caller); ``attempts_left``
    says how many more misses this counter or customer has within the hour."""

    title = "Wrong remittance code"


class PayoutsLocked(LimitExceeded):
    """Too many wrong codes from one counter (or customer) within an hour: payouts
    by code are refused until the oldest miss is an hour old."""

    title = "Payouts locked after too many wrong codes"


class ClientKeyReused(Conflict):
    """A channel-level key (a USSD session step) was reused for a different remittance."""

    title = "This request key was already used for another remittance"


class QuoteExpired(InvalidState):
    """The quote cited by a partner is past its expiry: ask for a new one."""

    title = "Quote expired"


class PartnerReferenceReused(Conflict):
    """The partner already sent a different remittance under this reference."""

    title = "Partner reference already used for another remittance"
