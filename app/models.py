"""Imports every table module so Alembic and the tests see the whole schema.

Add a line here when a package gains tables.
"""

from app.audit.models import AuditChainHead, AuditEvent
from app.db import Base
from app.jobs import OutboxJob
from app.ledger.models import Account, Entry, Posting

__all__ = ["Account", "AuditChainHead", "AuditEvent", "Base", "Entry", "OutboxJob", "Posting"]
