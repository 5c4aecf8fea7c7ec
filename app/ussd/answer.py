"""Answering one USSD request, whatever it holds.

One unit of work per request: find the caller, lock the session's row, give
back the remembered answer if the gateway is repeating itself, otherwise walk
the inputs to the current screen (a pick is read from the list its screen
showed, as the row remembers it) and render it (its handler calls the domain),
then remember the answer with the payment it reports, in the same commit. A
screen that checks a PIN is first counted against the caller's number
(``auth.throttle``): past ``USSD_PIN_SCREENS`` the number gets an ``END``
screen saying how long to wait, and the PIN is not looked at.

A domain error ends ``transaction()`` as it does for REST (committed first when
it must keep a counted wrong PIN), becomes an ``END`` screen and is remembered
in a second, short unit of work. Anything else (a bug) is logged and still
answered with a screen: a feature phone never sees an HTTP error.
"""

from __future__ import annotations

import logging

from app.auth.throttle import take_pin_screen
from app.customers import service
from app.customers.models import Customer
from app.customers.msisdn import try_normalize_msisdn
from app.db import current_runtime, transaction
from app.errors import DomainError
from app.i18n import translate
from app.ussd import sessions
from app.ussd.failures import error_screen
from app.ussd.machine import (
    Context,
    Position,
    SessionOver,
    Shown,
    is_public,
    render,
    showing,
    walk,
)
from app.ussd.menu import MAIN, NODES, REGISTER, flow_of, submits_pin
from app.ussd.protocol import Reply, UssdRequest

log = logging.getLogger(__name__)

SESSION_OVER = "ussd.session_over"
UNAVAILABLE = "ussd.unavailable"


def answer(request: UssdRequest) -> Reply:
    """The screen for ``request``; never raises."""
    language = current_runtime().config.DEFAULT_LANGUAGE
    if not request.well_formed:
        return Reply.end(translate(UNAVAILABLE, language))
    try:
        return _answer(request)
    except Exception:
        digest = sessions.session_digest(request.session_id)
        log.exception("ussd request failed (session %s)", digest)
        return Reply.end(translate("error.error", language))


def _answer(request: UssdRequest) -> Reply:
    config = current_runtime().config
    msisdn = try_normalize_msisdn(request.phone_number, config.ALLOWED_REGIONS)
    if msisdn is None:
        return Reply.end(translate(UNAVAILABLE, config.DEFAULT_LANGUAGE))
    language, flow, start = config.DEFAULT_LANGUAGE, MAIN, MAIN
    try:
        with transaction() as session:
            customer = service.find_by_msisdn(session, msisdn)
            blocked = _blocked(customer)
            if blocked is not None:
                return blocked
            start = MAIN if customer is not None else "register"
            opened = sessions.open_session(session, request.session_id, msisdn, start)
            if not opened.owned:  # a session id replayed from another number
                return Reply.end(translate(UNAVAILABLE, language))
            memory = sessions.recall(session, opened.row, request)
            if memory.reply is not None:
                return memory.reply
            home = _home(opened.row.start)
            position = walk(NODES, home, request.inputs, config, shown=memory.shown)
            ctx = Context(
                session=session,
                config=config,
                msisdn=msisdn,
                customer=customer,
                data=position.state.data,
                page=position.state.page,
                client_key=_client_key(request),
            )
            language, flow = ctx.language, flow_of(position.screen)
            if submits_pin(position):
                take_pin_screen(session, msisdn)
            reply, shown = _render(position, ctx)
            sessions.remember(session, opened.row, request, reply, memory.keeping(shown))
            return reply
    except DomainError as exc:
        reply = error_screen(exc, flow, language)
        with transaction() as session:
            opened = sessions.open_session(session, request.session_id, msisdn, start)
            if opened.owned:
                memory = sessions.recall(session, opened.row, request)
                sessions.remember(session, opened.row, request, reply, memory.keeping(None))
        return reply


def _home(start: str) -> str:
    return MAIN if start == MAIN else REGISTER


def _client_key(request: UssdRequest) -> str:
    """This session and this input's position: the same request repeated has the same key."""
    return f"ussd:{sessions.session_digest(request.session_id)}:{len(request.inputs)}"


def _blocked(customer: Customer | None) -> Reply | None:
    """A PIN-locked account learns until when and how to unlock it, a frozen one whom to
    call; nothing else. A PIN lock whose time is over blocks nothing (the next PIN
    check lifts it)."""
    if customer is None or customer.status == "active":
        return None
    try:
        service.ensure_can_transact(customer)
    except DomainError as exc:
        return error_screen(exc, MAIN, customer.language)
    return None


def _render(position: Position, ctx: Context) -> tuple[Reply, Shown | None]:
    """The screen, and what it shows to pick from (kept: the next input is read from it)."""
    node = NODES[position.screen]
    if position.over or (ctx.customer is None and not is_public(node)):
        return Reply.end(ctx.t(SESSION_OVER)), None
    try:
        return render(node, position.state, ctx), showing(node, position.state, ctx)
    except SessionOver:
        return Reply.end(ctx.t(SESSION_OVER)), None
