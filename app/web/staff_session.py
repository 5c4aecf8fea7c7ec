"""A staff member's web session: sign-in, the session, its idle timeout, sign-out.

Shared by the counter (``/counter``) and the back office (``/backoffice``):
each is a ``StaffDoor`` with its own cookie key, its own roles and its own
idle timeout. Signing in is the agents' own service (``agents.login.login_staff``:
password, TOTP with replay protection, five failures lock the account, every
refusal audited), so the pages and ``POST /auth/agent/login`` share one set of
rules. It hands out an opaque token kept server-side (hashed, revocable:
disabling a staff member ends their session at once). The browser holds it in
the area's signed session cookie (``app.web.cookies``) with the time of the
last request; the token is sealed there (``app.secretbox``), so the cookie,
which Flask only signs, never shows a bearer token the REST API would accept.
A request after the idle timeout revokes the token and asks for a new sign-in;
the time is the settable clock's, so tests move it instead of sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, session

from app.agents.login import login_staff
from app.agents.staff import get_staff
from app.auth.tokens import authenticate_token, revoke_token
from app.clock import clock
from app.db import current_runtime, transaction
from app.errors import Unauthorized
from app.secretbox import InvalidToken, seal, unseal


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The staff member of a request, as pages need them (no ORM row outlives its
    unit of work)."""

    id: str
    username: str
    role: str
    post_office: str
    post_office_code: str
    token_id: str | None


@dataclass(frozen=True, slots=True)
class StaffDoor:
    """One web application's way in: ``key`` in its session cookie, the token's seal
    ``purpose``, the ``roles`` it admits, the config attribute holding its idle timeout."""

    key: str
    purpose: str
    roles: tuple[str, ...]
    idle_setting: str
    refusal: str

    def sign_in(self, username: str, password: str, totp: str) -> str:
        """Check the credentials (``Unauthorized`` / ``AccountLocked`` otherwise) and open
        a fresh session: whatever the cookie held before is dropped (no session fixation).
        Returns the role signed in, so the caller knows which page comes first."""
        with transaction() as db:
            issued = login_staff(
                db, username=username, password=password, totp=totp, ip=request.remote_addr
            )
        if issued.role not in self.roles:
            with transaction() as db:
                principal = authenticate_token(db, issued.access_token)
                if principal.token_id:
                    revoke_token(db, principal.token_id)
            raise Unauthorized(self.refusal)
        session.clear()
        session[self.key] = {
            "token": self._seal(issued.access_token),
            "seen": clock.now().timestamp(),
        }
        return str(issued.role)

    def current(self) -> SignedIn | None:
        """The staff member of this request, or None (never signed in, signed out, timed
        out, token revoked, role no longer admitted). A live session is touched: the idle
        time starts again."""
        state = session.get(self.key)
        if not isinstance(state, dict) or not isinstance(state.get("token"), str):
            return None
        idle = getattr(current_runtime().config, self.idle_setting)
        now = clock.now().timestamp()
        seen = state.get("seen")
        with transaction() as db:
            try:
                principal = authenticate_token(db, self._unseal(state["token"]))
            except Unauthorized:
                session.pop(self.key, None)
                return None
            if not isinstance(seen, (int, float)) or now - seen > idle:
                if principal.token_id:
                    revoke_token(db, principal.token_id)
                session.pop(self.key, None)
                session["expired"] = True
                return None
            if principal.role not in self.roles:
                session.pop(self.key, None)
                return None
            staff = get_staff(db, principal.id, role=principal.role)
            signed_in = SignedIn(
                staff.id,
                staff.username,
                staff.role,
                staff.post_office or "",
                staff.post_office_code or "",
                principal.token_id,
            )
        state["seen"] = now
        session[self.key] = state
        return signed_in

    def sign_out(self, token_id: str | None) -> None:
        """Revoke the session's token and forget the cookie's content."""
        if token_id:
            with transaction() as db:
                revoke_token(db, token_id)
        session.clear()

    def _seal(self, token: str) -> str:
        return seal_token(self.purpose, token)

    def _unseal(self, sealed: str) -> str:
        return unseal_token(self.purpose, sealed)


def seal_token(purpose: str, token: str) -> str:
    """A bearer token as a session cookie may hold it: sealed, not merely signed."""
    return seal(current_runtime().config.SECRET_KEY, purpose, token)


def unseal_token(purpose: str, sealed: str) -> str:
    """The token, or "" (which authenticates nobody) if the cookie was not sealed by us."""
    try:
        return unseal(current_runtime().config.SECRET_KEY, purpose, sealed)
    except InvalidToken:
        return ""
