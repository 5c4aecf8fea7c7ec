"""Errors specific to payments."""

from __future__ import annotations

from app.errors import Conflict, InvalidState, NotFound, ValidationFailed


class TransferNotFound(NotFound):
    """No transfer with this id is visible to the caller."""

    title = "Transfer not found"


class TransferNotPending(InvalidState):
    """The transfer already left ``pending_confirmation`` (completed, cancelled, ...)."""

    title = "Transfer is not awaiting confirmation"


class SelfTransfer(ValidationFailed):
    """Sending to one's own number is refused."""

    def __init__(self) -> None:
        super().__init__({"to": ["Cannot send money to your own number."]})


class ClientKeyReused(Conflict):
    """A channel-level key (USSD session step) was reused for a different payment."""

    title = "This request key was already used for another payment"
