"""The tables of bulk disbursements: a payer's batch and its lines.

A batch is ``validated`` when submitted (each line checked: number, name,
amount, duplicates, the recipient's limit), ``processing`` once the payer
approves it, ``completed`` when no valid line is left. A line is ``valid``
until paid (``completed``, with its transfer or cash-pickup remittance) or
refused (``rejected`` with a ``code``, at validation or at payment). Counters on
the batch are updated with each chunk, in the same transaction as the lines,
so progress never runs ahead of the money.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

BATCH_STATUSES = ("validated", "processing", "completed")
LINE_STATUSES = ("valid", "rejected", "completed")


class DisbursementBatch(Base):
    __tablename__ = "disbursement_batches"
    __table_args__ = (
        UniqueConstraint("payer_id", "reference"),
        CheckConstraint(f"status IN {BATCH_STATUSES!r}", name="status_known"),
        Index("ix_disbursement_batches_status_updated", "status", "updated_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    payer_id: Mapped[str] = mapped_column(ForeignKey("api_clients.id"))
    reference: Mapped[str] = mapped_column(String(64))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12))
    total: Mapped[int] = mapped_column(Integer)
    valid: Mapped[int] = mapped_column(Integer)
    rejected: Mapped[int] = mapped_column(Integer)
    completed: Mapped[int] = mapped_column(Integer, default=0)
    valid_amount: Mapped[int] = mapped_column(BigInteger)
    paid_amount: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The back office's maker-checker (``batches.upload_batch``): the staff member who
    # uploaded the batch for its payer and the other one who approved it; both None for
    # a batch the payer submitted and approved itself through the API.
    submitted_by: Mapped[str | None] = mapped_column(String(36))
    approved_by: Mapped[str | None] = mapped_column(String(36))

    @property
    def processed(self) -> int:
        """Lines in a final state (paid or refused), out of ``total``."""
        return self.completed + self.rejected


class DisbursementLine(Base):
    __tablename__ = "disbursement_lines"
    __table_args__ = (
        CheckConstraint(f"status IN {LINE_STATUSES!r}", name="status_known"),
        Index("ix_disbursement_lines_batch_status", "batch_id", "status", "line"),
    )

    batch_id: Mapped[str] = mapped_column(ForeignKey("disbursement_batches.id"), primary_key=True)
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    msisdn: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(60))
    amount: Mapped[int | None] = mapped_column(BigInteger)
    reference: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(10))
    code: Mapped[str | None] = mapped_column(String(32))
    customer_id: Mapped[str | None] = mapped_column(ForeignKey("customers.id"))
    transfer_id: Mapped[str | None] = mapped_column(ForeignKey("transfers.id"))
    remittance_id: Mapped[str | None] = mapped_column(ForeignKey("remittances.id"))
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
