"""Errors of likelemba groups; each keeps a stable code through its parent or its own."""

from __future__ import annotations

from app.errors import DomainError, InvalidState, NotFound


class GroupNotFound(NotFound):
    """No group with this id is visible to the caller (only its members and admins see it)."""

    title = "Likelemba group not found"


class NotInvited(InvalidState):
    """The caller has no pending invitation in this group (already answered, or it
    is no longer forming)."""

    title = "No pending invitation in this group"


class GroupNotActive(InvalidState):
    """Leaving needs an active group: a forming one is declined, an ended one is over."""

    title = "The likelemba group is not active"


class NotAMember(InvalidState):
    """The caller is no longer a member of this group (declined or already left)."""

    title = "Not a member of this group any more"


class DebtOutstanding(DomainError):
    """A member who received the pot owes the cycles still to come and cannot leave."""

    code = "likelemba_debt_outstanding"
    title = "Contributions still owed after receiving the pot"
