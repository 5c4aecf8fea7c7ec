"""Float requests: a top-up from the trust bank, or a return of excess float to it,
asked for by one person and decided by another (maker-checker).

Who asks: the agent for their own float (at the counter), their office's
supervisor or a head-office operator for any agent they oversee (back office).
Who decides: an operator (an admin acts as one) who is **not** the requester;
the rule is here, so no page or future REST door can skip it.

Approving moves the money in the same unit of work: a top-up through
``cash.topup_float`` (trust bank → float), a return through
``cash.return_float`` (float → trust bank, never more than the float holds).
The request row is locked first and must still be pending, and the entry's
idempotency key is ``float_request:<id>``: two operators approving at once
get one entry and one "already decided" refusal.
"""

from __future__ import annotations

import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import ledger
from app.agents import cash
from app.agents.locks import lock_float_request
from app.agents.models import FLOAT_REQUEST_KINDS, FloatRequest, StaffUser, new_id
from app.audit import record_by
from app.audit.reasons import operator_reason
from app.clock import clock
from app.db import rows_matched, settings
from app.errors import Forbidden, InsufficientFunds, InvalidState, NotFound, ValidationFailed
from app.ledger import chart
from app.principal import Principal

log = logging.getLogger(__name__)

MAX_AMOUNT = 100_000_000
NOTE_MAX = 200
DECIDERS = ("operator", "admin")


def request_float(
    session: Session,
    *,
    requester: StaffUser,
    agent_id: str,
    kind: object,
    amount: object,
    note: object = "",
) -> FloatRequest:
    """Ask for a top-up or a return of ``agent_id``'s float.

    An agent asks for themself only; a supervisor for an agent of their own
    office; an operator for any agent. Anyone else, or an agent out of reach,
    gets ``NotFound`` (no probing of other offices). A return larger than the
    float's available balance is refused now, and checked again at approval.
    """
    errors: dict[str, list[str]] = {}
    if kind not in FLOAT_REQUEST_KINDS:
        errors["kind"] = ["topup or return."]
    value = _amount(amount)
    if value is None:
        errors["amount"] = [f"A whole amount from 1 to {MAX_AMOUNT}."]
    text = " ".join(note.split()) if isinstance(note, str) else ""
    if len(text) > NOTE_MAX:
        errors["note"] = [f"At most {NOTE_MAX} characters."]
    agent = _reachable_agent(session, requester, agent_id)
    if errors:
        raise ValidationFailed(errors)
    assert value is not None
    if kind == "return":
        available = ledger.balance(session, chart.float_account(agent.id)).available
        if value > available:
            raise InsufficientFunds(
                "The float holds less than the amount to return.", available=available
            )
    request = FloatRequest(
        id=new_id(),
        kind=str(kind),
        agent_id=agent.id,
        post_office_code=agent.post_office_code or "",
        amount=value,
        currency=settings(session).CURRENCY,
        note=text,
        status="pending",
        requested_by=requester.id,
        requested_by_role=requester.role,
        requested_at=clock.now(),
    )
    session.add(request)
    session.flush()
    record_by(
        session,
        Principal(role=requester.role, id=requester.id),
        action="float.request",
        target_type="float_request",
        target_id=request.id,
        after={
            "kind": request.kind,
            "agent_id": agent.id,
            "post_office_code": request.post_office_code,
            "amount": value,
            "note": text,
        },
    )
    log.info("float request %s: %s of %d for agent %s", request.id, kind, value, agent.id)
    return request


def approve(session: Session, request_id: str, *, decider: StaffUser) -> FloatRequest:
    """Move the money and mark the request approved; the requester may never approve."""
    request = _pending_for(session, request_id, decider)
    agent = session.get(StaffUser, request.agent_id)
    assert agent is not None
    _decide(session, request, decider, "approved", None)
    key = f"float_request:{request.id}"
    if request.kind == "topup":
        entry = cash.topup_float(
            session, agent, amount=request.amount, key=key, by_admin_id=decider.id
        )
    else:
        entry = cash.return_float(session, agent, amount=request.amount, key=key, by_id=decider.id)
    request.entry_id = entry.id
    session.flush()
    balance = ledger.balance(session, chart.float_account(agent.id)).available
    record_by(
        session,
        Principal(role=decider.role, id=decider.id),
        action="float.request_approve",
        target_type="float_request",
        target_id=request.id,
        before={"status": "pending"},
        after={
            "status": "approved",
            "kind": request.kind,
            "agent_id": agent.id,
            "amount": request.amount,
            "entry_id": entry.id,
            "float": balance,
        },
    )
    return request


def reject(
    session: Session, request_id: str, *, decider: StaffUser, reason: object
) -> FloatRequest:
    """Refuse the request with a reason; nothing moves."""
    why = operator_reason(reason)
    request = _pending_for(session, request_id, decider)
    _decide(session, request, decider, "rejected", why)
    record_by(
        session,
        Principal(role=decider.role, id=decider.id),
        action="float.request_reject",
        target_type="float_request",
        target_id=request.id,
        before={"status": "pending"},
        after={"status": "rejected", "reason": why},
    )
    return request


def get_request(session: Session, request_id: object, *, scope: str | None = None) -> FloatRequest:
    found = (
        session.get(FloatRequest, request_id)
        if isinstance(request_id, str) and len(request_id) <= 36
        else None
    )
    if found is None or (scope is not None and found.post_office_code != scope):
        raise NotFound("No such float request.")
    return found


def list_requests(
    session: Session,
    *,
    status: str | None = None,
    scope: str | None = None,
    agent_id: str | None = None,
    limit: int = 200,
) -> list[FloatRequest]:
    """Newest first; ``scope`` keeps one office's, ``agent_id`` one agent's."""
    query = select(FloatRequest).order_by(FloatRequest.requested_at.desc()).limit(limit)
    if status:
        query = query.where(FloatRequest.status == status)
    if scope is not None:
        query = query.where(FloatRequest.post_office_code == scope)
    if agent_id is not None:
        query = query.where(FloatRequest.agent_id == agent_id)
    return list(session.scalars(query).all())


def _pending_for(session: Session, request_id: str, decider: StaffUser) -> FloatRequest:
    if decider.role not in DECIDERS or decider.status != "active":
        raise Forbidden("Only a head-office operator decides float requests.")
    found = (
        lock_float_request(session, request_id)
        if isinstance(request_id, str) and len(request_id) <= 36
        else None
    )
    if found is None:
        raise NotFound("No such float request.")
    if found.requested_by == decider.id:
        raise Forbidden("The requester cannot decide their own request.")
    if found.status != "pending":
        raise InvalidState("This request is already decided.", status=found.status)
    return found


def _decide(
    session: Session, request: FloatRequest, decider: StaffUser, status: str, note: str | None
) -> None:
    """Claim the request with a guarded UPDATE (still pending): of two deciders racing,
    the second matches no row, even on SQLite where ``FOR UPDATE`` is not a lock."""
    now = clock.now()
    claimed = session.execute(
        update(FloatRequest)
        .where(FloatRequest.id == request.id, FloatRequest.status == "pending")
        .values(status=status, decided_by=decider.id, decided_at=now, decision_note=note)
        .execution_options(synchronize_session=False)
    )
    if not rows_matched(claimed):
        raise InvalidState("This request is already decided.")
    session.refresh(request)


def _reachable_agent(session: Session, requester: StaffUser, agent_id: object) -> StaffUser:
    agent = (
        session.get(StaffUser, agent_id)
        if isinstance(agent_id, str) and 0 < len(agent_id) <= 36
        else None
    )
    reachable = (
        agent is not None
        and agent.role == "agent"
        and requester.status == "active"
        and (
            (requester.role == "agent" and requester.id == agent.id)
            or (
                requester.role == "supervisor"
                and bool(requester.post_office_code)
                and requester.post_office_code == agent.post_office_code
            )
            or requester.role in DECIDERS
        )
    )
    if not reachable or agent is None:
        raise NotFound("No agent within your reach has this id.")
    return agent


def _amount(raw: object) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str):
        raw = raw.strip().replace(" ", "").replace("\u202f", "")
        if not raw.isdigit():
            return None
        raw = int(raw)
    if not isinstance(raw, int) or not 1 <= raw <= MAX_AMOUNT:
        return None
    return raw
