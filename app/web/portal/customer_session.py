"""The signed-in customer of a portal request: sign-in with number and PIN, the
device check, the session, its idle timeout, signing out (here or everywhere).

The PIN is checked by the customers' own service (``verify_pin``: counted, locks
after three wrong ones, the unknown number answered as a wrong PIN), the same as
``POST /auth/login``. A browser the customer has not confirmed before then needs
the SMS code (``app.customers.devices``); only then is a token issued. The token
is kept server-side (revocable: "sign out everywhere", a PIN lock or an admin
ends it) and sealed in the portal's session cookie with the time of the last
request; ``PORTAL_IDLE_TIMEOUT`` seconds idle end the session. The device secret
lives in its own long-lived cookie, path ``/compte``, HttpOnly.

A signed-out customer who asked for an account page (a link in an SMS, a bookmark,
a session that went idle) is brought back to it once signed in. The page is kept in
the session, never taken from the query string, and only a path under ``/compte``
is kept: the sign-in cannot be made to send anyone elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import request, session
from werkzeug.wrappers import Response

from app.auth.tokens import authenticate_token, issue_token, revoke_token
from app.clock import clock
from app.customers import devices, registration
from app.customers import service as customers
from app.customers.models import Customer
from app.db import current_runtime, transaction
from app.errors import NotFound, Unauthorized
from app.web.staff_session import seal_token, unseal_token

KEY = "portal"
PENDING = "portal_pending"
PURPOSE = "portal-session"
DEVICE_COOKIE = "postcash_device"
DEVICE_COOKIE_PATH = "/compte"
DEVICE_LIFETIME = 365 * 24 * 3600
ASKED = "portal_asked"
# A page under /compte: path segments and an optional query of plain characters.
_ACCOUNT_PAGE = re.compile(r"/compte(/[A-Za-z0-9._~-]+)*/?(\?[A-Za-z0-9._~=&%+-]*)?")
_ASKED_MAX = 300


@dataclass(frozen=True, slots=True)
class PortalCustomer:
    """The customer of a request, as pages need them (no ORM row outlives its unit of work)."""

    id: str
    msisdn: str
    first_name: str
    last_name: str
    language: str
    token_id: str | None


def remember_asked_page(full_path: str) -> None:
    """A signed-out GET of ``full_path``: the sign-in returns there (an account page only)."""
    path = full_path.removesuffix("?")
    if len(path) <= _ASKED_MAX and _ACCOUNT_PAGE.fullmatch(path):
        session[ASKED] = path


def take_asked_page() -> str | None:
    """The account page asked for before signing in, once."""
    path = session.pop(ASKED, None)
    return path if isinstance(path, str) and _ACCOUNT_PAGE.fullmatch(path) else None


def check_pin(msisdn: str, pin: str) -> tuple[str, bool]:
    """The customer behind ``msisdn`` if ``pin`` is right (``InvalidPin`` /
    ``AccountLocked`` otherwise, the attempt counted), and whether this browser is
    one they confirmed. A known browser is signed in at once; an unknown one gets the
    SMS code and a pending sign-in in the session."""
    secret = request.cookies.get(DEVICE_COOKIE)
    with transaction() as db:
        customer = customers.find_by_msisdn(db, msisdn)
        if customer is None:
            customers.refuse_unknown_number(db, pin)
        customers.verify_pin(db, customer, pin)
        known = devices.recognised(db, customer.id, secret)
        if known:
            issued = _issue(db, customer)
        else:
            check = devices.start_check(db, customer)
    asked = session.get(ASKED)
    session.clear()
    if known:
        _open(issued)
    else:
        session[PENDING] = {
            "customer": customer.id,
            "challenge": check.challenge_id,
            "nonce": check.nonce,
        }
    if asked is not None:
        session[ASKED] = asked
    return customer.id, known


def pending() -> dict[str, Any] | None:
    state = session.get(PENDING)
    return state if isinstance(state, dict) and "challenge" in state else None


def confirm_device(code: str, response_cookie: dict[str, str]) -> None:
    """The SMS code of the pending sign-in: right → the browser is remembered
    (``response_cookie`` receives its secret) and the customer signed in."""
    state = pending()
    if state is None:
        raise NotFound("No sign-in is waiting for a code.")
    check = devices.DeviceCheck(str(state["challenge"]), str(state["nonce"]))
    label = (request.user_agent.string or "")[: devices.LABEL_MAX] or "?"
    with transaction() as db:
        secret = devices.confirm(db, str(state["customer"]), check, code, label)
        customer = db.get(Customer, str(state["customer"]))
        if customer is None:
            raise NotFound("No such customer.")
        issued = _issue(db, customer)
    asked = session.get(ASKED)
    session.clear()
    _open(issued)
    if asked is not None:
        session[ASKED] = asked
    response_cookie[DEVICE_COOKIE] = secret


def open_new_account(registration_id: str, code: str) -> str:
    """The registration's SMS code: right → the customer exists, is signed in, and this
    browser is remembered (the code proved the phone). Returns the device secret."""
    label = (request.user_agent.string or "")[: devices.LABEL_MAX] or "?"
    with transaction() as db:
        customer = registration.verify_registration(db, registration_id, code)
        secret = devices.remember(db, customer.id, label)
        issued = _issue(db, customer)
    session.clear()
    _open(issued)
    return secret


def remember_device(response: Response, secret: str) -> None:
    config = current_runtime().config
    response.set_cookie(
        DEVICE_COOKIE,
        secret,
        max_age=DEVICE_LIFETIME,
        path=DEVICE_COOKIE_PATH,
        httponly=True,
        secure=config.serves_https_only,
        samesite="Lax",
    )


def current_customer() -> PortalCustomer | None:
    """The customer of this request, or None (never signed in, signed out, timed out,
    token revoked). A live session is touched: the idle time starts again, and a token
    past half its life is replaced by a fresh one (the old one revoked), so an active
    customer is not thrown out when ``CUSTOMER_TOKEN_TTL`` ends."""
    state = session.get(KEY)
    if not isinstance(state, dict) or not isinstance(state.get("token"), str):
        return None
    config = current_runtime().config
    now = clock.now()
    seen = state.get("seen")
    idle = not isinstance(seen, (int, float)) or now.timestamp() - seen > config.PORTAL_IDLE_TIMEOUT
    with transaction() as db:
        try:
            principal = authenticate_token(db, _unseal(state["token"]))
        except Unauthorized:
            principal = None
        if principal is None or principal.role != "customer" or idle:
            if principal is not None and principal.token_id:
                revoke_token(db, principal.token_id)
            session.pop(KEY, None)
            if idle:
                session["expired"] = True
            return None
        customer = db.get(Customer, principal.id)
        if customer is None:
            session.pop(KEY, None)
            return None
        token_id = principal.token_id
        renew_at = state.get("renew_at")
        if token_id and (not isinstance(renew_at, (int, float)) or now.timestamp() >= renew_at):
            fresh, ttl = _issue(db, customer)
            revoke_token(db, token_id)
            state.update(_sealed(fresh, ttl))
            token_id = authenticate_token(db, fresh).token_id
        found = PortalCustomer(
            customer.id,
            customer.msisdn,
            customer.first_name,
            customer.last_name,
            customer.language,
            token_id,
        )
    state["seen"] = now.timestamp()
    session[KEY] = state
    return found


def sign_out(customer: PortalCustomer) -> None:
    if customer.token_id:
        with transaction() as db:
            revoke_token(db, customer.token_id)
    session.clear()


def sign_out_everywhere(customer: PortalCustomer) -> None:
    with transaction() as db:
        devices.sign_out_everywhere(db, customer.id)
    session.clear()


def _issue(db: Any, customer: Customer) -> tuple[str, int]:
    """A fresh token and its lifetime in seconds."""
    return issue_token(db, "customer", customer.id)


def _sealed(token: str, ttl: int) -> dict[str, Any]:
    """The session's view of a token: sealed, and when it is half spent (renewed then,
    read from the session rather than from the token's row on every page)."""
    return {"token": _seal(token), "renew_at": clock.now().timestamp() + ttl / 2}


def _open(issued: tuple[str, int]) -> None:
    session[KEY] = {**_sealed(*issued), "seen": clock.now().timestamp()}


def _seal(token: str) -> str:
    return seal_token(PURPOSE, token)


def _unseal(sealed: str) -> str:
    return unseal_token(PURPOSE, sealed)
