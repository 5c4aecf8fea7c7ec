"""The audit trail: who did what to whom, when, from where, before and after.

Every staff and agent action that matters to an auditor (logins, unlocks, KYC
upgrades, float top-ups, reversals, settlements, configuration changes,
payout lock-outs) calls ``record`` inside the transaction that performs it.
The trail is append-only in the database and hash-chained, so ``flask audit
verify`` detects a row edited or deleted around the application.
"""

from app.audit.chain import chain_summary, verify_chain
from app.audit.models import AuditChainHead, AuditEvent
from app.audit.queries import EventPage, list_events
from app.audit.service import record, record_by, scrub

__all__ = [
    "AuditChainHead",
    "AuditEvent",
    "EventPage",
    "chain_summary",
    "list_events",
    "record",
    "record_by",
    "scrub",
    "verify_chain",
]
