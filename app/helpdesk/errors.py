"""Why the desk refuses a reversal proposal or its decision.

The codes are the shared ones of ``app.errors`` (REST clients know them); ``why``
says which refusal it is, so a page can tell the operator in plain words.
"""

from __future__ import annotations

from app.errors import Conflict, Forbidden, InvalidState, NotFound


class ProposalNotFound(NotFound):
    """No such reversal proposal."""

    title = "Reversal proposal not found"


class OwnProposal(Forbidden):
    """The operator who proposed a reversal never decides it: a second person does."""

    title = "A proposal is decided by another operator"

    def __init__(self) -> None:
        super().__init__(
            "You proposed this reversal; another operator must approve or reject it.",
            why="own_proposal",
        )


class AlreadyDecided(InvalidState):
    """The proposal was approved or rejected already (by someone quicker)."""

    title = "Proposal already decided"

    def __init__(self, status: str) -> None:
        super().__init__(f"This proposal is already {status}.", why="already_decided")


class AlreadyProposed(Conflict):
    """A transfer has at most one open proposal."""

    title = "A reversal is already proposed"

    def __init__(self) -> None:
        super().__init__(
            "A reversal of this payment is already waiting for approval.", why="already_open"
        )


class AlreadyReversed(InvalidState):
    """The payment was reversed already."""

    title = "Already reversed"

    def __init__(self) -> None:
        super().__init__("This payment is already reversed.", why="already_reversed")


class NotReversible(InvalidState):
    """Only a completed payment is reversed, and some kinds never are (a letter, a
    savings movement)."""

    title = "Payment cannot be reversed"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, why="not_reversible")
