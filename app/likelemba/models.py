"""A likelemba group, its members, its cycles and each member's contribution to a cycle.

Group: ``forming`` → ``active`` (everyone accepted) → ``completed`` (each
remaining member received the pot once); ``forming`` → ``cancelled`` (someone
declined). A member: ``invited`` → ``accepted`` | ``declined``; ``accepted`` →
``left``. One cycle is ``open`` at a time; it becomes ``paid`` when its pot goes
to its beneficiary (or ``cancelled`` when nobody is left to receive it). A
contribution: ``pending`` (to be pulled on the due date) → ``collected``;
``pending`` → ``late`` (48 h after the due date) → ``collected``; ``pending`` or
``late`` → ``cancelled`` and ``collected`` → ``refunded`` when its member leaves.
"""

from __future__ import annotations

import uuid
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

GROUP_STATUSES = ("forming", "active", "completed", "cancelled")
PERIODS = ("weekly", "monthly")
MEMBER_STATUSES = ("invited", "accepted", "declined", "left")
CYCLE_STATUSES = ("open", "paid", "cancelled")
CONTRIBUTION_STATUSES = ("pending", "late", "collected", "refunded", "cancelled")
MIN_MEMBERS = 3
MAX_MEMBERS = 30
NAME_MAX_LENGTH = 40
# Ten million FCFA a turn: far above any tontine, and every text (SMS, USSD) is sized
# for an amount of eight digits.
MAX_CONTRIBUTION = 10_000_000


def new_id() -> str:
    return str(uuid.uuid4())


class LikelembaGroup(Base):
    __tablename__ = "likelemba_groups"
    __table_args__ = (
        CheckConstraint("contribution > 0", name="contribution_positive"),
        CheckConstraint(f"status IN {GROUP_STATUSES!r}", name="status_known"),
        CheckConstraint(f"period IN {PERIODS!r}", name="period_known"),
        Index("ix_likelemba_groups_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    contribution: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="XAF")
    period: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(10), default="forming")
    creator_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LikelembaMember(Base):
    __tablename__ = "likelemba_members"
    __table_args__ = (
        CheckConstraint(f"status IN {MEMBER_STATUSES!r}", name="status_known"),
        UniqueConstraint("group_id", "customer_id", name="uq_likelemba_members_group_customer"),
        UniqueConstraint("group_id", "position", name="uq_likelemba_members_group_position"),
        Index("ix_likelemba_members_customer", "customer_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    group_id: Mapped[str] = mapped_column(ForeignKey("likelemba_groups.id"))
    customer_id: Mapped[str] = mapped_column(ForeignKey("customers.id"))
    msisdn: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="invited")
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LikelembaCycle(Base):
    __tablename__ = "likelemba_cycles"
    __table_args__ = (
        CheckConstraint(f"status IN {CYCLE_STATUSES!r}", name="status_known"),
        UniqueConstraint("group_id", "number", name="uq_likelemba_cycles_group_number"),
        Index("ix_likelemba_cycles_status_due", "status", "due_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    group_id: Mapped[str] = mapped_column(ForeignKey("likelemba_groups.id"))
    number: Mapped[int] = mapped_column(Integer)
    beneficiary_id: Mapped[str] = mapped_column(ForeignKey("likelemba_members.id"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payout_amount: Mapped[int | None] = mapped_column(BigInteger)
    payout_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    # Why a complete cycle still waits (the beneficiary's wallet at its cap...): None once paid.
    payout_blocked: Mapped[str | None] = mapped_column(String(40))


class LikelembaContribution(Base):
    __tablename__ = "likelemba_contributions"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(f"status IN {CONTRIBUTION_STATUSES!r}", name="status_known"),
        UniqueConstraint("cycle_id", "member_id", name="uq_likelemba_contributions_cycle_member"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    cycle_id: Mapped[str] = mapped_column(ForeignKey("likelemba_cycles.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("likelemba_members.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    refund_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    # Why the last pull failed (insufficient_funds, limit_exceeded...): shown to the member.
    shortfall: Mapped[str | None] = mapped_column(String(40))
