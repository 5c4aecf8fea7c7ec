"""Tables of the postal network.

A post office and a print centre are both ``post_offices`` rows told apart by
``kind``: they share everything a customer or an operator looks for (code,
name, place, hours, services, status). ``opening_hours`` maps a weekday
(``mon`` … ``sun``) to a list of ``["08:00", "15:30"]`` spans in Brazzaville
time; a missing day is closed. ``services`` lists what the office offers, from
``SERVICES``. ``float_threshold`` is the level of the office's agents' floats
below which the back office raises an alert (0: no alert).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, UTCDateTime

OFFICE_KINDS = ("post_office", "print_centre")
OFFICE_STATUSES = ("open", "closed", "suspended")
SERVICES = ("cash", "remittances", "savings", "mail", "print")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Department(Base):
    """One of the départements of the Republic of the Congo."""

    __tablename__ = "network_departments"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    capital: Mapped[str] = mapped_column(String(80))


class Office(Base):
    __tablename__ = "post_offices"
    __table_args__ = (
        CheckConstraint(f"kind IN {OFFICE_KINDS!r}", name="kind_known"),
        CheckConstraint(f"status IN {OFFICE_STATUSES!r}", name="status_known"),
        CheckConstraint("float_threshold >= 0", name="threshold_not_negative"),
        Index("ix_post_offices_department", "department_code", "town"),
        Index("ix_post_offices_centre", "print_centre_code"),
    )

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="post_office")
    name: Mapped[str] = mapped_column(String(120))
    department_code: Mapped[str] = mapped_column(ForeignKey("network_departments.code"))
    town: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(200), default="")
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    services: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default="open")
    print_centre_code: Mapped[str | None] = mapped_column(ForeignKey("post_offices.code"))
    float_threshold: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        return f"<Office {self.code} {self.kind} {self.name}>"
