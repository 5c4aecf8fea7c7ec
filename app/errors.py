"""Domain errors: a small hierarchy with stable machine codes.

Services raise these and never import Flask. One mapping in each channel turns
them into a problem+json response (``app/api/problem.py``), a USSD screen or an
SMS reply; the ``code`` is the contract with clients (API.md) and also the key of
the customer-facing message in the catalogs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


class DomainError(Exception):
    """Root of every error a client may see. Subclasses set code, status, title."""

    code = "error"
    status = 422
    title = "Request refused"

    def __init__(self, detail: str | None = None, *, commit: bool = False, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.extra = extra
        # True when the state changed before the refusal must be kept: a wrong PIN
        # or OTP counts as an attempt, a third miss fails the payment. The edge
        # (``app.db.transaction``) commits before reporting such an error.
        self.commit = commit

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://postcash.cg/problems/{self.code.replace('_', '-')}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        body.update(self.extra)
        return body


class ValidationFailed(DomainError):
    """Input does not have the required shape; ``errors`` maps field → messages."""

    code = "validation_error"
    status = 400
    title = "Invalid request"

    def __init__(self, errors: dict[str, Any] | None = None, detail: str | None = None) -> None:
        super().__init__(detail or "The request has invalid fields.", errors=errors or {})


class Unauthorized(DomainError):
    """No valid credentials (missing, expired or revoked token, bad key or password)."""

    code = "unauthorized"
    status = 401
    title = "Authentication required"


class Forbidden(DomainError):
    """Authenticated, but this principal may not do this."""

    code = "forbidden"
    status = 403
    title = "Not allowed"


class NotFound(DomainError):
    """The resource does not exist, or is not visible to this principal."""

    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The request contradicts existing data (duplicate registration, reused reference)."""

    code = "conflict"
    status = 409
    title = "Conflict"


class InsufficientFunds(DomainError):
    """The debited account cannot afford the amount (available balance)."""

    code = "insufficient_funds"
    title = "Insufficient funds"


class LimitExceeded(DomainError):
    """A KYC, channel or counter limit refuses the operation."""

    code = "limit_exceeded"
    title = "Limit exceeded"


class InvalidOtp(DomainError):
    """The one-time code is wrong; ``attempts_left`` says how many tries remain."""

    code = "invalid_otp"
    title = "Invalid code"


class OtpExpired(DomainError):
    """The one-time code is past its expiry or already used."""

    code = "otp_expired"
    title = "Code expired"


class OtpAttemptsExceeded(DomainError):
    """Too many wrong codes: the challenge is dead."""

    code = "otp_attempts_exceeded"
    title = "Too many wrong codes"


class InvalidPin(DomainError):
    """Wrong PIN; ``attempts_left`` says how many tries remain before the lock."""

    code = "invalid_pin"
    title = "Invalid PIN"


class AccountLocked(DomainError):
    """Locked after wrong PINs: until ``locked_until`` (ISO 8601 UTC), or, when it is
    null, until an agent or admin unlocks it. ``until`` is the same moment as a datetime
    for the channels that print it."""

    code = "account_locked"
    title = "Account locked"

    def __init__(
        self, detail: str | None = None, *, until: datetime | None = None, **extra: Any
    ) -> None:
        super().__init__(
            detail, locked_until=until.isoformat() if until is not None else None, **extra
        )
        self.until = until


class AccountFrozen(DomainError):
    """The account (customer or ledger) is frozen by an operator."""

    code = "account_frozen"
    title = "Account frozen"


class RecipientNotFound(DomainError):
    """No active customer behind the recipient number."""

    code = "recipient_not_found"
    title = "Recipient not found"


class InvalidState(DomainError):
    """The object is not in a state that allows this action."""

    code = "invalid_state"
    title = "Invalid state"


class RateLimited(DomainError):
    """Too many requests for this number or address."""

    code = "rate_limited"
    status = 429
    title = "Too many requests"


class IdempotencyKeyMissing(DomainError):
    """A money-moving POST came without ``Idempotency-Key``."""

    code = "idempotency_key_missing"
    status = 400
    title = "Idempotency-Key header required"


class IdempotencyKeyReused(DomainError):
    """The key was already used with a different request body."""

    code = "idempotency_key_reused"
    title = "Idempotency-Key reused with a different request"


class RequestInProgress(DomainError):
    """The first request with this key is still running."""

    code = "request_in_progress"
    status = 409
    title = "A request with this Idempotency-Key is in progress"


class InternalError(DomainError):
    """A bug: something that must never happen did. Always a 500."""

    code = "internal_error"
    status = 500
    title = "Internal error"
