"""Row locks of the desk's own rows."""

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
