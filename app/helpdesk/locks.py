"""Row locks of the desk's own rows.

A proposal is locked before the reversal takes its own locks (the customers, the
transfer, the ledger accounts, in the domain's order): only deciding a proposal
locks a proposal, so nothing holds one of those rows while waiting for it, and
no circle (deadlock) can form.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.helpdesk.models import ReversalProposal


def lock_proposal(session: Session, proposal_id: str) -> ReversalProposal | None:
    """The proposal, locked: two operators deciding it at once are served one after
    the other, and the second reads the decision of the first."""
    if not isinstance(proposal_id, str):
        return None
    return session.scalar(
        select(ReversalProposal)
        .where(ReversalProposal.id == proposal_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
