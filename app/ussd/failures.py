"""A domain error becomes a short ``END`` screen in the customer's language.

The text is looked up from the most specific catalog key to the general one:

1. ``ussd.error.<flow>.<code>.<limit>`` and ``ussd.error.<code>.<limit>``: a limit
   error names which limit (single, daily, monthly, balance…);
2. ``ussd.error.<flow>.<code>``: the same code says something else in a flow
   (``invalid_state`` on a withdrawal means a code is already pending);
3. ``ussd.error.<flow>.field.<field>`` and ``ussd.error.field.<field>``: a
   validation error names the field refused;
4. ``error.<code>`` through ``error_message``, shared with SMS.

``<flow>`` is the first part of the screen's name (``send``, ``withdraw``, ``claim``).
A locked account gets the locked screen, whatever the flow: until when it is
locked, or (a lock that only an agent lifts) how to unlock it.
"""

from __future__ import annotations

from typing import Any

from app.customers.pin_locks import until_text
from app.db import current_runtime
from app.errors import AccountLocked, DomainError, ValidationFailed
from app.i18n import error_message, has_key, translate
from app.ussd import formats
from app.ussd.protocol import Reply

LOCKED = "ussd.locked"
LOCKED_UNTIL = "ussd.locked_until"


def error_screen(exc: DomainError, flow: str, language: str) -> Reply:
    if isinstance(exc, AccountLocked):
        return locked_screen(exc, language)
    params = _params(exc.extra)
    for key in _keys(exc, flow):
        if has_key(key):
            try:
                return Reply.end(translate(key, language, **params))
            except KeyError:  # the error did not carry what this text needs
                continue
    return Reply.end(error_message(exc.code, language, **params))


def locked_screen(exc: AccountLocked, language: str) -> Reply:
    """Until when the account is locked and how to open it sooner, or how to unlock it."""
    if exc.until is None:
        return Reply.end(translate(LOCKED, language))
    until = until_text(exc.until, current_runtime().config.TIMEZONE)
    return Reply.end(translate(LOCKED_UNTIL, language, until=until))


def _keys(exc: DomainError, flow: str) -> list[str]:
    code = exc.code
    keys: list[str] = []
    limit = exc.extra.get("limit")
    if isinstance(limit, str):
        keys += [f"ussd.error.{flow}.{code}.{limit}", f"ussd.error.{code}.{limit}"]
    keys.append(f"ussd.error.{flow}.{code}")
    if isinstance(exc, ValidationFailed):
        errors = exc.extra.get("errors") or {}
        for name in sorted(errors):
            keys += [f"ussd.error.{flow}.field.{name}", f"ussd.error.field.{name}"]
    return keys


def _params(extra: dict[str, Any]) -> dict[str, Any]:
    params = dict(extra)
    for name in ("remaining", "minimum"):
        value = extra.get(name)
        if isinstance(value, int):
            params[name] = formats.money(value)
    return params
