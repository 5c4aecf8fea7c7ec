"""Who is at the counter: sign-in, the session, its idle timeout, sign-out.

Signing in is the agents' own service (``agents.login.login_staff``: password,
TOTP with replay protection, five failures lock the account, every refusal
audited), so the pages and ``POST /auth/agent/login`` share one set of rules.
It hands out an opaque token kept server-side (hashed, revocable: disabling an
agent ends their session at once). The browser holds it in Flask's signed
session cookie (``HttpOnly``, ``SameSite=Strict``, ``Secure`` where the service
is HTTPS-only, path ``/counter``) with the time of the agent's last request;
the token is sealed there (``app.secretbox``), so the cookie, which Flask only
signs, never shows a bearer token the REST API would accept.
A request after ``COUNTER_IDLE_TIMEOUT`` seconds of inactivity revokes the
token and asks for a new sign-in; the time is the settable clock's, so tests
move it instead of sleeping. Signing out revokes the token too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, session

from app.agents.login import login_staff
from app.agents.models import StaffUser
from app.agents.staff import get_staff
from app.auth.tokens import authenticate_token, revoke_token
from app.clock import clock
from app.db import current_runtime, transaction
from app.errors import Unauthorized
from app.secretbox import InvalidToken, seal, unseal

KEY = "counter"
PURPOSE = "counter-session"


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


# Who may sign in at the counter: agents serve customers, supervisors watch their office.
COUNTER_ROLES = ("agent", "supervisor")


def sign_in(username: str, password: str, totp: str) -> str:
    """Check the credentials (``Unauthorized`` / ``AccountLocked`` otherwise) and open a
    fresh session: whatever the cookie held before is dropped (no session fixation).
    Returns the role signed in, so the caller knows which page comes first."""
    with transaction() as db:
        issued = login_staff(
            db, username=username, password=password, totp=totp, ip=request.remote_addr
        )
    if issued.role not in COUNTER_ROLES:
        with transaction() as db:
            principal = authenticate_token(db, issued.access_token)
            if principal.token_id:
                revoke_token(db, principal.token_id)
        raise Unauthorized("Only post-office agents and supervisors use the counter.")
    session.clear()
    session[KEY] = {"token": _seal(issued.access_token), "seen": clock.now().timestamp()}
    return str(issued.role)


def current_teller() -> Teller | None:
    """The agent or supervisor of this request, or None (never signed in, signed out, timed out,
    token revoked). A live session is touched: the idle time starts again."""
    state = session.get(KEY)
    if not isinstance(state, dict) or not isinstance(state.get("token"), str):
        return None
    idle = current_runtime().config.COUNTER_IDLE_TIMEOUT
    now = clock.now().timestamp()
    seen = state.get("seen")
    with transaction() as db:
        try:
            principal = authenticate_token(db, _unseal(state["token"]))
        except Unauthorized:
            session.pop(KEY, None)
            return None
        if not isinstance(seen, (int, float)) or now - seen > idle:
            if principal.token_id:
                revoke_token(db, principal.token_id)
            session.pop(KEY, None)
            session["expired"] = True
            return None
        if principal.role not in COUNTER_ROLES:
            session.pop(KEY, None)
            return None
        staff: StaffUser = get_staff(db, principal.id, role=principal.role)
        teller = Teller(
            staff.id,
            staff.username,
            staff.post_office or "",
            staff.post_office_code or "",
            principal.token_id,
            staff.role,
        )
    state["seen"] = now
    session[KEY] = state
    return teller


def _seal(token: str) -> str:
    return seal(current_runtime().config.SECRET_KEY, PURPOSE, token)


def _unseal(sealed: str) -> str:
    """The token, or "" (which authenticates nobody) if the cookie was not sealed by us."""
    try:
        return unseal(current_runtime().config.SECRET_KEY, PURPOSE, sealed)
    except InvalidToken:
        return ""


def sign_out(teller: Teller | None) -> None:
    """Revoke the session's token and forget the cookie's content."""
    if teller is not None and teller.token_id:
        with transaction() as db:
            revoke_token(db, teller.token_id)
    session.clear()
