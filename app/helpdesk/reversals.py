"""Reversal of a payment, proposed by one operator and approved by another.

The reversal itself is ``transfers.reversal.reverse_transfer``, the service
behind REST's ``POST /transfers/{id}/reversal``: a compensating ledger entry,
the balance-cap and insufficient-funds refusals, the type's hooks, the audit
event and the customers' SMS. This module only adds the four eyes:

* ``propose``: a reason, a completed payment that is not reversed, not of a kind
  that is never reversed, and without another open proposal (the unique
  ``open_transfer_id``: two operators proposing at once leave one proposal);
* ``approve``: under the proposal's row lock, by anyone but its proposer, only
  while it is open; it runs the reversal in the same unit of work, so a reversal
  the ledger refuses (the money was spent) leaves the proposal open and nothing
  moved. Two approvals racing: the second waits on the lock, then finds the
  proposal approved and is refused; one reversal, one entry;
* ``reject``: the same guards, with a reason; nothing moves.

Every step is audited (``reversal.propose``, ``reversal.approve``,
``reversal.reject``).
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import record_by
from app.audit.reasons import operator_reason
from app.clock import clock
from app.errors import DomainError, Forbidden
from app.helpdesk.errors import (
    AlreadyDecided,
    AlreadyProposed,
    AlreadyReversed,
    NotReversible,
    OwnProposal,
    ProposalNotFound,
)
from app.helpdesk.locks import lock_proposal
from app.helpdesk.models import APPROVED, PROPOSED, REJECTED, ReversalProposal, new_id
from app.principal import Principal
from app.transfers.errors import TransferNotFound
from app.transfers.lifecycle import REVERSAL_CHECKS
from app.transfers.models import Transfer
from app.transfers.reversal import reverse_transfer

log = logging.getLogger(__name__)

DECIDERS = ("operator", "admin")


def _operator(by: Principal) -> None:
    if by.role not in DECIDERS:
        raise Forbidden("Only a head-office operator proposes or decides a reversal.")


def check_reversible(session: Session, transfer: Transfer) -> None:
    """Refuse now what the reversal would refuse whatever happens before approval: a
    payment reversed already, one that never completed, a kind never reversed."""
    if transfer.status == "reversed":
        raise AlreadyReversed()
    if transfer.status != "completed" or transfer.entry_id is None:
        raise NotReversible(f"Only a completed payment is reversed; this one is {transfer.status}.")
    for check in REVERSAL_CHECKS.get(transfer.type, []):
        try:
            check(session, transfer)
        except DomainError as exc:  # the type's own words, under the desk's refusal
            raise NotReversible(str(exc)) from exc


def propose(session: Session, transfer_id: str, *, reason: str, by: Principal) -> ReversalProposal:
    _operator(by)
    why = operator_reason(reason)
    transfer = session.get(Transfer, transfer_id) if isinstance(transfer_id, str) else None
    if transfer is None:
        raise TransferNotFound()
    check_reversible(session, transfer)
    proposal = ReversalProposal(
        id=new_id(),
        transfer_id=transfer.id,
        open_transfer_id=transfer.id,
        status=PROPOSED,
        reason=why,
        proposed_by=by.id,
        proposed_at=clock.now(),
    )
    try:
        with session.begin_nested():
            session.add(proposal)
            session.flush()
    except IntegrityError:
        raise AlreadyProposed() from None
    record_by(
        session,
        by,
        action="reversal.propose",
        target_type="transfer",
        target_id=transfer.id,
        after={"proposal_id": proposal.id, "reason": why, "reference": transfer.reference},
    )
    log.info("reversal of transfer %s proposed by %s", transfer.id, by.key)
    return proposal


def _open_for(session: Session, proposal_id: str, by: Principal) -> ReversalProposal:
    _operator(by)
    proposal = lock_proposal(session, proposal_id)
    if proposal is None:
        raise ProposalNotFound()
    if proposal.status != PROPOSED:
        raise AlreadyDecided(proposal.status)
    if proposal.proposed_by == by.id:
        raise OwnProposal()
    return proposal


def approve(
    session: Session, proposal_id: str, *, by: Principal, ip: str | None = None
) -> Transfer:
    """Approve and reverse, in the caller's unit of work; the reversed transfer."""
    proposal = _open_for(session, proposal_id, by)
    reversed_already = session.get(Transfer, proposal.transfer_id)
    if reversed_already is not None and reversed_already.status == "reversed":
        raise AlreadyReversed()  # by REST meanwhile: the proposal stays for a rejection
    transfer = reverse_transfer(
        session, proposal.transfer_id, reason=proposal.reason, admin_id=by.id, ip=ip
    )
    _decide(session, proposal, APPROVED, by, None)
    return transfer


def reject(session: Session, proposal_id: str, *, reason: str, by: Principal) -> ReversalProposal:
    why = operator_reason(reason)
    proposal = _open_for(session, proposal_id, by)
    _decide(session, proposal, REJECTED, by, why)
    return proposal


def _decide(
    session: Session, proposal: ReversalProposal, status: str, by: Principal, why: str | None
) -> None:
    proposal.status = status
    proposal.open_transfer_id = None
    proposal.decided_by = by.id
    proposal.decided_at = clock.now()
    proposal.decision_reason = why
    session.flush()
    verb = "approve" if status == APPROVED else "reject"
    after: dict[str, object] = {"proposal_id": proposal.id, "status": status}
    if why:
        after["reason"] = why
    record_by(
        session,
        by,
        action=f"reversal.{verb}",
        target_type="transfer",
        target_id=proposal.transfer_id,
        before={"status": PROPOSED, "proposed_by": proposal.proposed_by},
        after=after,
    )
    log.info("reversal proposal %s %s by %s", proposal.id, status, by.key)


def get_proposal(session: Session, proposal_id: str) -> ReversalProposal:
    found = session.get(ReversalProposal, proposal_id) if isinstance(proposal_id, str) else None
    if found is None:
        raise ProposalNotFound()
    return found


def proposals_of(session: Session, transfer_id: str) -> list[ReversalProposal]:
    """Every proposal of one transfer, newest first."""
    return list(
        session.scalars(
            select(ReversalProposal)
            .where(ReversalProposal.transfer_id == transfer_id)
            .order_by(ReversalProposal.proposed_at.desc(), ReversalProposal.id)
        )
    )


def open_proposals(session: Session, *, limit: int = 50) -> list[tuple[ReversalProposal, Transfer]]:
    """What waits for a second operator, oldest first (first come, first decided)."""
    rows = session.execute(
        select(ReversalProposal, Transfer)
        .join(Transfer, Transfer.id == ReversalProposal.transfer_id)
        .where(ReversalProposal.status == PROPOSED)
        .order_by(ReversalProposal.proposed_at, ReversalProposal.id)
        .limit(limit)
    )
    return [(proposal, transfer) for proposal, transfer in rows]
