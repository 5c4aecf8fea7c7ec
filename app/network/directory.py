"""The public directory of post offices: what a customer may look up.

The portal's "find a post office" reads the network's rows through here and
nothing else: post offices only (a print centre has no counter), never a closed
one, never the float threshold or other back-office fields. Whether an office is
open is read from its ``opening_hours`` in Brazzaville time at ``clock.now()``
(the settable clock), so "open now" is tested by moving the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.clock import LOCAL_TZ, clock
from app.network.models import SERVICES, WEEKDAYS, Department, Office

# A suspended office stays listed (customers look for it) but is never open.
LISTED_STATUSES = ("open", "suspended")
MAX_QUERY = 80


@dataclass(frozen=True, slots=True)
class Hours:
    """One weekday's opening spans, ``[("08:00", "15:30")]``; empty when closed."""

    day: str
    spans: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class PublicOffice:
    code: str
    name: str
    department_code: str
    department: str
    town: str
    address: str
    latitude: float | None
    longitude: float | None
    services: tuple[str, ...]
    week: tuple[Hours, ...]
    suspended: bool
    open_now: bool


def departments(session: Session) -> list[tuple[str, str]]:
    """``(code, name)`` of every département that has a listed post office, by name."""
    rows = session.execute(
        select(Department.code, Department.name)
        .where(
            Department.code.in_(
                select(Office.department_code).where(
                    Office.kind == "post_office", Office.status.in_(LISTED_STATUSES)
                )
            )
        )
        .order_by(Department.name)
    )
    return [(code, name) for code, name in rows]


def find_offices(
    session: Session, *, department: str | None = None, query: str | None = None
) -> list[PublicOffice]:
    """Listed post offices ordered by département, town and name; ``department``
    (a code) and ``query`` (part of the name or town, any case) narrow the list."""
    statement = (
        select(Office, Department.name)
        .join(Department, Department.code == Office.department_code)
        .where(Office.kind == "post_office", Office.status.in_(LISTED_STATUSES))
        .order_by(Department.name, Office.town, Office.name)
    )
    if department:
        statement = statement.where(Office.department_code == department)
    words = (query or "").strip()[:MAX_QUERY].casefold().split()
    now = clock.now()
    found = []
    for office, department_name in session.execute(statement):
        haystack = f"{office.name} {office.town}".casefold()
        if all(word in haystack for word in words):
            found.append(_public(office, department_name, now))
    return found


def _public(office: Office, department_name: str, now: datetime) -> PublicOffice:
    week = tuple(Hours(day, _spans(office.opening_hours, day)) for day in WEEKDAYS)
    suspended = office.status != "open"
    return PublicOffice(
        code=office.code,
        name=office.name,
        department_code=office.department_code,
        department=department_name,
        town=office.town,
        address=office.address,
        latitude=office.latitude,
        longitude=office.longitude,
        services=tuple(s for s in office.services or () if s in SERVICES),
        week=week,
        suspended=suspended,
        open_now=not suspended and is_open(office.opening_hours, now),
    )


def _spans(hours: dict[str, Any] | None, day: str) -> tuple[tuple[str, str], ...]:
    spans = (hours or {}).get(day) or []
    return tuple((str(start), str(end)) for start, end in spans)


def is_open(hours: dict[str, Any] | None, at: datetime) -> bool:
    """Whether ``at`` (an aware instant) falls in one of the day's spans, read in
    Brazzaville time; a span includes its opening minute, not its closing one."""
    local = at.astimezone(LOCAL_TZ)
    minute = f"{local.hour:02d}:{local.minute:02d}"
    return any(start <= minute < end for start, end in _spans(hours, WEEKDAYS[local.weekday()]))


def today(at: datetime | None = None) -> str:
    """The weekday key (``mon`` … ``sun``) of ``at`` (default now) in Brazzaville."""
    return WEEKDAYS[(at or clock.now()).astimezone(LOCAL_TZ).weekday()]
