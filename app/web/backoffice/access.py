"""Who may do what in the back office.

A page declares the roles that may open it with ``@allow(SUPERVISOR, OPERATOR,
AUDITOR)``; a page without the decorator is public (only the sign-in is). An
``admin`` account acts as an operator. Auditors read: whatever a page declares,
an auditor's POST is refused (``blueprint._gate``). Supervisors see their own
post office only: pages scope their queries with ``Officer.office_scope``.
Maker-checker (a proposal approved by someone else) is a domain rule, in the
services, not here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.web.staff_session import SignedIn, StaffDoor

SUPERVISOR = "supervisor"
OPERATOR = "operator"
AUDITOR = "auditor"
EVERYONE = (SUPERVISOR, OPERATOR, AUDITOR)
HEAD_OFFICE = (OPERATOR, AUDITOR)

BACKOFFICE_ROLES = ("supervisor", "operator", "auditor", "admin")

DOOR = StaffDoor(
    key="backoffice",
    purpose="backoffice-session",
    roles=BACKOFFICE_ROLES,
    idle_setting="BACKOFFICE_IDLE_TIMEOUT",
    refusal="Only supervisors, operators and auditors use the back office.",
)

F = TypeVar("F", bound=Callable[..., Any])


def allow(*roles: str, changes_nothing: bool = False) -> Callable[[F], F]:
    """Declare who may open the page. Auditors' POSTs are refused, except on a page
    declared ``changes_nothing`` (signing out, a search sent as a POST so that no phone
    number sits in a URL)."""
    unknown = set(roles) - set(EVERYONE)
    if not roles or unknown:
        raise ValueError(f"allow() takes roles among {EVERYONE}, got {roles!r}")

    def mark(view: F) -> F:
        view.backoffice_roles = frozenset(roles)  # type: ignore[attr-defined]
        view.backoffice_changes_nothing = changes_nothing  # type: ignore[attr-defined]
        return view

    return mark


def changes_nothing(view: Callable[..., Any]) -> bool:
    return bool(getattr(view, "backoffice_changes_nothing", False))


def allowed_roles(view: Callable[..., Any]) -> frozenset[str] | None:
    """The roles a page declared, or None for a public page."""
    roles: frozenset[str] | None = getattr(view, "backoffice_roles", None)
    return roles


@dataclass(frozen=True, slots=True)
class Officer:
    """The staff member of a back-office request."""

    id: str
    username: str
    role: str
    post_office: str
    post_office_code: str
    token_id: str | None

    @classmethod
    def of(cls, signed_in: SignedIn) -> Officer:
        return cls(
            signed_in.id,
            signed_in.username,
            signed_in.role,
            signed_in.post_office,
            signed_in.post_office_code,
            signed_in.token_id,
        )

    @property
    def acts_as(self) -> str:
        """The back-office role: an ``admin`` account acts as an operator."""
        return OPERATOR if self.role == "admin" else self.role

    @property
    def read_only(self) -> bool:
        return self.acts_as == AUDITOR

    @property
    def office_scope(self) -> str | None:
        """The one post office a supervisor may see; None for head office (all)."""
        return self.post_office_code if self.acts_as == SUPERVISOR else None
