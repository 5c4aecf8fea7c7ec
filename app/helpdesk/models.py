"""The ``reversal_proposals`` table: maker-checker on the reversal of a payment.

One operator proposes (with a reason), another approves (the reversal runs) or
rejects. ``open_transfer_id`` holds the transfer's id while the proposal is open
and NULL once it is decided: it is unique, so a transfer has at most one open
proposal, even when two operators propose at the same moment (NULLs never
collide, on PostgreSQL and SQLite alike, so decided proposals pile up freely).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

PROPOSED = "proposed"
APPROVED = "approved"
REJECTED = "rejected"
PROPOSAL_STATUSES = (PROPOSED, APPROVED, REJECTED)


def new_id() -> str:
    return str(uuid.uuid4())


class ReversalProposal(Base):
    __tablename__ = "reversal_proposals"
    __table_args__ = (
        CheckConstraint(f"status IN {PROPOSAL_STATUSES!r}", name="status_known"),
        CheckConstraint(
            "(status = 'proposed') = (open_transfer_id IS NOT NULL)", name="open_while_proposed"
        ),
        Index("ix_reversal_proposals_transfer", "transfer_id", "proposed_at"),
        Index("ix_reversal_proposals_status", "status", "proposed_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    transfer_id: Mapped[str] = mapped_column(ForeignKey("transfers.id"))
    open_transfer_id: Mapped[str | None] = mapped_column(String(36), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(200))
    proposed_by: Mapped[str] = mapped_column(ForeignKey("staff_users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("staff_users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<ReversalProposal {self.id} {self.status}>"
