"""The postal network's records: listing, reading and changing post offices and print centres.

Every change is a domain function that takes the session, writes nothing but
the office row and its audit event, and never commits (the page or command
opens the transaction). Validation is here, not in the pages: a field that
does not fit raises ``ValidationFailed`` naming the field, so the back office
and any future REST door refuse the same things. A supervisor sees one office
(``scope``): any other office answers ``NotFound``, the same as an unknown code,
so nobody probes another office's existence.

The float level of an office is the sum of its agents' float balances (one
ledger account per agent, ``chart.float_account``); an office is in alert
when that sum is below its ``float_threshold`` (0: never).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import ledger
from app.agents.models import StaffUser
from app.audit import record_by
from app.audit.reasons import operator_reason
from app.clock import clock
from app.errors import Conflict, NotFound, ValidationFailed
from app.ledger import chart
from app.network.locks import lock_office
from app.network.models import (
    OFFICE_KINDS,
    OFFICE_STATUSES,
    SERVICES,
    WEEKDAYS,
    Department,
    Office,
)
from app.principal import Principal

CODE = re.compile(r"[A-Z0-9][A-Z0-9-]{1,19}")
HOUR = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
MAX_THRESHOLD = 1_000_000_000
EDITABLE = (
    "name",
    "kind",
    "department_code",
    "town",
    "address",
    "latitude",
    "longitude",
    "opening_hours",
    "services",
    "print_centre_code",
)


@dataclass(frozen=True, slots=True)
class OfficeFloat:
    """One office's float level: its agents' floats summed, against its threshold."""

    code: str
    name: str
    town: str
    latitude: float | None
    longitude: float | None
    agents: int
    total: int
    threshold: int

    @property
    def alert(self) -> bool:
        return self.threshold > 0 and self.total < self.threshold


def folded(text: str) -> str:
    """Lower case without accents, so "makelekele" finds "Makélékélé"."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def departments(session: Session) -> list[Department]:
    return list(session.scalars(select(Department).order_by(Department.name)).all())


def list_offices(
    session: Session,
    *,
    department: str | None = None,
    town: str | None = None,
    kind: str | None = None,
    status: str | None = None,
    search: str | None = None,
    scope: str | None = None,
) -> list[Office]:
    """Offices by département, town and name; ``search`` matches the name or code
    ignoring case and accents; ``scope`` (a supervisor's office) keeps that one only."""
    query = select(Office).order_by(Office.department_code, Office.town, Office.name)
    if scope is not None:
        query = query.where(Office.code == scope)
    if department:
        query = query.where(Office.department_code == department)
    if kind:
        query = query.where(Office.kind == kind)
    if status:
        query = query.where(Office.status == status)
    rows = list(session.scalars(query).all())
    if town:
        wanted = folded(town)
        rows = [o for o in rows if folded(o.town) == wanted]
    if search:
        wanted = folded(search)
        rows = [o for o in rows if wanted in folded(o.name) or wanted in folded(o.code)]
    return rows


def get_office(session: Session, code: object, *, scope: str | None = None) -> Office:
    office = session.get(Office, code) if isinstance(code, str) and len(code) <= 20 else None
    if office is None or (scope is not None and office.code != scope):
        raise NotFound("No such post office.")
    return office


def served_by(session: Session, centre_code: str) -> list[Office]:
    """The post offices a print centre serves, by name."""
    return list(
        session.scalars(
            select(Office).where(Office.print_centre_code == centre_code).order_by(Office.name)
        ).all()
    )


def agents_of(session: Session, office_code: str) -> list[StaffUser]:
    """The agents and supervisors attached to an office, by role then username."""
    return list(
        session.scalars(
            select(StaffUser)
            .where(
                StaffUser.post_office_code == office_code,
                StaffUser.role.in_(("agent", "supervisor")),
            )
            .order_by(StaffUser.role, StaffUser.username)
        ).all()
    )


def float_levels(session: Session, *, scope: str | None = None) -> list[OfficeFloat]:
    """Every post office's float level (agents' floats summed), by name; print centres
    hold no cash and are left out."""
    offices = list_offices(session, kind="post_office", scope=scope)
    codes = [o.code for o in offices]
    agents = (
        session.execute(
            select(StaffUser.id, StaffUser.post_office_code).where(
                StaffUser.role == "agent", StaffUser.post_office_code.in_(codes)
            )
        ).all()
        if codes
        else []
    )
    accounts = [chart.float_account(agent_id) for agent_id, _code in agents]
    balances = ledger.balances(session, accounts) if accounts else {}
    totals: dict[str, int] = {}
    counts: dict[str, int] = {}
    for agent_id, code in agents:
        if code is None:
            continue
        found = balances.get(chart.float_account(agent_id))
        totals[code] = totals.get(code, 0) + (found.available if found else 0)
        counts[code] = counts.get(code, 0) + 1
    return [
        OfficeFloat(
            o.code,
            o.name,
            o.town,
            o.latitude,
            o.longitude,
            counts.get(o.code, 0),
            totals.get(o.code, 0),
            o.float_threshold,
        )
        for o in sorted(offices, key=lambda o: o.name)
    ]


# -- changes --------------------------------------------------------------------------------


def create_office(session: Session, data: dict[str, Any], *, by: Principal | None) -> Office:
    """A new post office or print centre; its code is chosen once and never changes."""
    errors: dict[str, list[str]] = {}
    code = data.get("code")
    code = code.strip().upper() if isinstance(code, str) else ""
    if not CODE.fullmatch(code):
        errors["code"] = ["2 to 20 capital letters, digits or '-' (e.g. BZV-PP)."]
    try:
        values = _clean(session, data, code=code)
    except ValidationFailed as exc:
        errors.update(exc.extra["errors"])
        values = {}
    if errors:
        raise ValidationFailed(errors)
    if session.get(Office, code) is not None:
        raise Conflict("An office has this code already.")
    now = clock.now()
    office = Office(code=code, status="open", float_threshold=0, created_at=now, updated_at=now)
    for name, value in values.items():
        setattr(office, name, value)
    session.add(office)
    session.flush()
    record_by(
        session,
        by,
        action="office.create",
        target_type="office",
        target_id=code,
        after=_snapshot(office),
    )
    return office


def update_office(
    session: Session, code: str, data: dict[str, Any], *, by: Principal | None
) -> Office:
    office = _locked(session, code)
    values = _clean(session, data, code=office.code)
    before = _snapshot(office)
    for name, value in values.items():
        setattr(office, name, value)
    office.updated_at = clock.now()
    session.flush()
    after = _snapshot(office)
    changed = {k for k in after if before.get(k) != after.get(k)}
    if changed:
        record_by(
            session,
            by,
            action="office.update",
            target_type="office",
            target_id=office.code,
            before={k: before[k] for k in sorted(changed)},
            after={k: after[k] for k in sorted(changed)},
        )
    return office


def change_status(
    session: Session, code: str, status: object, *, reason: object, by: Principal | None
) -> Office:
    """Open, close or suspend an office, with a reason for the audit trail; idempotent."""
    why = operator_reason(reason)
    if status not in OFFICE_STATUSES:
        raise ValidationFailed({"status": [f"One of {', '.join(OFFICE_STATUSES)}."]})
    office = _locked(session, code)
    if office.status == status:
        return office
    before = office.status
    office.status = str(status)
    office.updated_at = clock.now()
    record_by(
        session,
        by,
        action="office.status",
        target_type="office",
        target_id=office.code,
        before={"status": before},
        after={"status": office.status, "reason": why},
    )
    return office


def set_float_threshold(
    session: Session, code: str, amount: object, *, by: Principal | None
) -> Office:
    """The level below which the office's float raises an alert (0: no alert)."""
    value = _amount(amount)
    if value is None:
        raise ValidationFailed({"float_threshold": [f"A whole amount, 0 to {MAX_THRESHOLD}."]})
    office = _locked(session, code)
    if office.float_threshold == value:
        return office
    before = office.float_threshold
    office.float_threshold = value
    office.updated_at = clock.now()
    record_by(
        session,
        by,
        action="office.float_threshold",
        target_type="office",
        target_id=office.code,
        before={"float_threshold": before},
        after={"float_threshold": value},
    )
    return office


def _locked(session: Session, code: str) -> Office:
    office = lock_office(session, code) if isinstance(code, str) and len(code) <= 20 else None
    if office is None:
        raise NotFound("No such post office.")
    return office


def _amount(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        raw = raw.strip().replace(" ", "").replace("\u202f", "")
        if not raw.isdigit():
            return None
        raw = int(raw)
    if not isinstance(raw, int) or not 0 <= raw <= MAX_THRESHOLD:
        return None
    return raw


def _text(raw: object, low: int, high: int) -> str | None:
    text = " ".join(raw.split()) if isinstance(raw, str) else ""
    return text if low <= len(text) <= high else None


def _coordinate(raw: object, limit: float) -> tuple[bool, float | None]:
    """(valid, value): empty is a valid "unknown"."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return True, None
    try:
        value = float(str(raw).strip().replace(",", "."))
    except ValueError:
        return False, None
    if not -limit <= value <= limit or value != value:
        return False, None
    return True, round(value, 6)


def parse_hours(raw: object) -> dict[str, list[list[str]]] | None:
    """Opening hours from a dict, or from the form's text "mon 08:00-15:30, sat 08:00-12:00"
    (several spans a day allowed); None when it does not read."""
    if isinstance(raw, dict):
        raw = ", ".join(
            f"{day} {start}-{end}"
            for day, spans in raw.items()
            if isinstance(spans, list)
            for start, end in spans
        )
    if not isinstance(raw, str):
        return None
    hours: dict[str, list[list[str]]] = {}
    for part in raw.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        day, _, span = part.partition(" ")
        start, _, end = span.strip().partition("-")
        start, end = start.strip(), end.strip()
        if day not in WEEKDAYS or not HOUR.fullmatch(start) or not HOUR.fullmatch(end):
            return None
        if start >= end:
            return None
        hours.setdefault(day, []).append([start, end])
    return {day: sorted(hours[day]) for day in WEEKDAYS if day in hours}


def hours_text(hours: dict[str, Any]) -> str:
    """The form's text of ``opening_hours`` (the inverse of ``parse_hours``)."""
    return ", ".join(
        f"{day} {start}-{end}" for day in WEEKDAYS for start, end in hours.get(day) or []
    )


def _clean(session: Session, data: dict[str, Any], *, code: str) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    name = _text(data.get("name"), 2, 120)
    if name is None:
        errors["name"] = ["2 to 120 characters."]
    values["name"] = name
    kind = data.get("kind") or "post_office"
    if kind not in OFFICE_KINDS:
        errors["kind"] = [f"One of {', '.join(OFFICE_KINDS)}."]
    values["kind"] = kind
    department = data.get("department_code")
    if not isinstance(department, str) or session.get(Department, department) is None:
        errors["department_code"] = ["A known département."]
    values["department_code"] = department
    town = _text(data.get("town"), 2, 80)
    if town is None:
        errors["town"] = ["2 to 80 characters."]
    values["town"] = town
    address = _text(data.get("address") or "", 0, 200)
    if address is None:
        errors["address"] = ["At most 200 characters."]
    values["address"] = address
    for field, limit in (("latitude", 90.0), ("longitude", 180.0)):
        ok, value = _coordinate(data.get(field), limit)
        if not ok:
            errors[field] = [f"A number between -{limit:g} and {limit:g}, or empty."]
        values[field] = value
    hours = parse_hours(data.get("opening_hours") or "")
    if hours is None:
        errors["opening_hours"] = ["Like 'mon 08:00-15:30, sat 08:00-12:00'."]
    values["opening_hours"] = hours
    services = data.get("services") or []
    if isinstance(services, str):
        services = [services]
    if not isinstance(services, list) or any(s not in SERVICES for s in services):
        errors["services"] = [f"Among {', '.join(SERVICES)}."]
        services = []
    values["services"] = [s for s in SERVICES if s in services]
    centre = data.get("print_centre_code") or None
    if centre is not None:
        found = session.get(Office, centre) if isinstance(centre, str) else None
        if found is None or found.kind != "print_centre" or found.code == code:
            errors["print_centre_code"] = ["A print centre of the network, or empty."]
    values["print_centre_code"] = centre
    if errors:
        raise ValidationFailed(errors)
    return values


def _snapshot(office: Office) -> dict[str, Any]:
    return {name: getattr(office, name) for name in EDITABLE}
