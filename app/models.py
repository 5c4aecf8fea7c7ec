"""Imports every table module so Alembic and the tests see the whole schema.

Add a line here when a package gains tables.
"""

from app.api.idempotency import IdempotencyRecord
from app.audit.models import AuditChainHead, AuditEvent
from app.db import Base
from app.jobs import OutboxJob
from app.ledger.models import Account, Entry, Posting
from app.otp.models import Challenge, OtpSecret
from app.sms.models import SmsMessage

__all__ = [
    "Account",
    "AuditChainHead",
    "AuditEvent",
    "Base",
    "Challenge",
    "Entry",
    "IdempotencyRecord",
    "OtpSecret",
    "OutboxJob",
    "Posting",
    "SmsMessage",
]
