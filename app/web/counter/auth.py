"""Who is at the counter: the counter's door (``app.web.staff_session``) and the
``Teller`` its pages see. Agents and post-office supervisors sign in here; the
idle timeout is ``COUNTER_IDLE_TIMEOUT``.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.web.staff_session import StaffDoor

KEY = "counter"
PURPOSE = "counter-session"

# Who may sign in at the counter: agents serve customers, supervisors watch their office.
COUNTER_ROLES = ("agent", "supervisor")

DOOR = StaffDoor(
    key=KEY,
    purpose=PURPOSE,
    roles=COUNTER_ROLES,
    idle_setting="COUNTER_IDLE_TIMEOUT",
    refusal="Only post-office agents and supervisors use the counter.",
)


@dataclass(frozen=True, slots=True)
class Teller:
    """The signed-in agent or supervisor, as the pages need them (no ORM row outlives
    its unit of work). ``role`` decides which pages they may open (views.require_teller)."""

    id: str
    username: str
    post_office: str
    post_office_code: str
    token_id: str | None
    role: str = "agent"

    @property
    def supervisor(self) -> bool:
        return self.role == "supervisor"


def sign_in(username: str, password: str, totp: str) -> str:
    """Check the credentials and open a fresh counter session; returns the role."""
    return DOOR.sign_in(username, password, totp)


def current_teller() -> Teller | None:
    """The agent or supervisor of this request, or None (see ``StaffDoor.current``)."""
    found = DOOR.current()
    if found is None:
        return None
    return Teller(
        found.id,
        found.username,
        found.post_office,
        found.post_office_code,
        found.token_id,
        found.role,
    )


def sign_out(teller: Teller | None) -> None:
    """Revoke the session's token and forget the cookie's content."""
    DOOR.sign_out(teller.token_id if teller is not None else None)
