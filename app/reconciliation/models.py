"""The stored daily reconciliation: one row per run, versioned per business day.

A business day is a calendar day in Brazzaville time. Running the
reconciliation again for a day (``flask reconcile --date``, an admin, or a
retried sweep) never overwrites the earlier run: it adds the next ``version``,
so what on-call saw at 01:00 stays readable after a fix and a re-run. The
unique (day, version) pair makes two simultaneous runs of one day collide
instead of silently writing the same version twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, BigIntPK, UTCDateTime

STATUSES = ("ok", "breaks")
ALERT_STATUSES = ("none", "pending", "sent")
TRIGGERS = ("schedule", "command", "admin")


class Reconciliation(Base):
    __tablename__ = "reconciliations"
    __table_args__ = (
        UniqueConstraint("business_date", "version", name="uq_reconciliations_date_version"),
        CheckConstraint(f"status IN {STATUSES!r}", name="status_known"),
        CheckConstraint(f"alert_status IN {ALERT_STATUSES!r}", name="alert_status_known"),
        CheckConstraint(f"trigger IN {TRIGGERS!r}", name="trigger_known"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    business_date: Mapped[date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(8))
    breaks: Mapped[int] = mapped_column(Integer, default=0)
    trigger: Mapped[str] = mapped_column(String(10))
    triggered_by: Mapped[str | None] = mapped_column(String(36))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    report: Mapped[dict[str, Any]] = mapped_column(JSON)
    alert_status: Mapped[str] = mapped_column(String(8), default="none")
    alert_attempts: Mapped[int] = mapped_column(Integer, default=0)
    alert_error: Mapped[str | None] = mapped_column(String(300))
    alerted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Reconciliation {self.business_date} v{self.version} {self.status}>"
