"""Rate limits keyed on who is targeted (number, username, account, challenge), per
address only as a high ceiling.

Mobile carriers put thousands of customers behind one public address
(carrier-grade NAT), so an address says nothing about who is guessing: a limit
per address low enough to stop a PIN guesser would lock out a whole carrier.
The limits that protect an account are therefore keyed on what is attacked:

* the phone number a sign-in or registration names (normalised, so
  "061234567" and "+242061234567" share a counter), or the staff username;
* the signed-in account (PIN change, codes typed at a counter);
* the challenge a code answers (a transfer, remittance or payment request id).

Each limited endpoint also counts the caller's address against
``RATELIMIT_PER_IP``, a ceiling far above what one carrier address sends in
normal use: it stops a flood from one machine, not customers behind one NAT.
The client address is the socket peer unless ``TRUSTED_PROXIES`` says how many
load balancers in front may be believed (``app.register_proxy_fix``).

Built on the application's flask-limiter (``limiter`` below, initialised by the
factory: Redis storage when ``REDIS_URL`` is set, memory otherwise) but applied by hand, because the
limits are configuration read per request (flask-limiter strings such as
``"30/minute;300/hour"``) and one request is counted against several keys.

Over a limit → 429 problem+json ``rate_limited`` with ``Retry-After`` (seconds
until the window frees a slot). If the storage is unreachable the request goes
through (config ``RATELIMIT_SWALLOW_ERRORS``): an outage of Redis must not lock
every customer out; PIN and OTP lockouts still apply.

Usage, under ``@require`` when the caller is authenticated::

    @require("customer")
    @rate_limit("otp:transfer", per_challenge("RATELIMIT_OTP", "transfer_id"),
                per_account("RATELIMIT_OTP_ACCOUNT"))
    def post(self, transfer_id): ...
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_restx.utils import merge
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from app.customers.msisdn import try_normalize_msisdn

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")
# Unbound: the factory initialises it (``register_extensions`` in ``app/__init__.py``).
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)

F = TypeVar("F", bound=Callable[..., Any])
CEILING = "RATELIMIT_PER_IP"


@dataclass(frozen=True, slots=True)
class Rule:
    """Count a request under the limits of ``setting`` against the key ``key`` finds.

    ``key`` gets the view's arguments and returns the counted key (``"msisdn:+242…"``)
    or None when the request has nothing to key on (the rule then does not apply).
    """

    setting: str
    key: Callable[[Mapping[str, Any]], str | None]


def _body_value(field: str) -> Any:
    body = request.get_json(silent=True)
    return body.get(field) if isinstance(body, dict) else None


def _principal_key() -> str | None:
    principal = g.get("principal")
    return f"principal:{principal.key}" if principal is not None else None


def per_number(setting: str, field: str = "msisdn", *, or_account: bool = True) -> Rule:
    """The phone number in the JSON body's ``field``; without one, the signed-in account."""

    def key(_args: Mapping[str, Any]) -> str | None:
        msisdn = try_normalize_msisdn(_body_value(field), current_app.config.get("ALLOWED_REGIONS"))
        if msisdn is not None:
            return f"{field}:{msisdn}"
        return _principal_key() if or_account else None

    return Rule(setting, key)


def per_username(setting: str, field: str = "username") -> Rule:
    """The staff username in the JSON body (case and spaces ignored, as at sign-in)."""

    def key(_args: Mapping[str, Any]) -> str | None:
        value = _body_value(field)
        if not isinstance(value, str) or not value.strip():
            return None
        return f"{field}:{value.strip().lower()[:64]}"

    return Rule(setting, key)


def per_account(setting: str) -> Rule:
    """The signed-in caller (customer, agent, admin or API client)."""
    return Rule(setting, lambda _args: _principal_key())


def per_challenge(setting: str, view_arg: str) -> Rule:
    """The challenge a code answers: the id in the path (``transfer_id`` …)."""

    def key(args: Mapping[str, Any]) -> str | None:
        value = args.get(view_arg)
        return f"{view_arg}:{str(value)[:64]}" if value else None

    return Rule(setting, key)


def rate_limit(scope: str, *rules: Rule) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Count each call against the client address (the ``RATELIMIT_PER_IP`` ceiling) and
    against each rule's key under that rule's limits; the first limit passed answers 429."""

    def decorator(fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            _hit(CEILING, scope, f"ip:{get_remote_address() or 'unknown'}")
            for rule in rules:
                subject = rule.key(kwargs)
                if subject is not None:
                    _hit(rule.setting, scope, subject)
            return fn(*args, **kwargs)

        # flask-restx reads a method's docs from this attribute, unknown to a function's type.
        wrapper.__apidoc__ = merge(  # type: ignore[attr-defined]
            getattr(fn, "__apidoc__", {}),
            {"responses": {"429": ("rate_limited: too many attempts; see Retry-After", None, {})}},
        )
        return wrapper

    return decorator


def limit_by_msisdn_and_ip(
    setting: str, scope: str | None = None, *, field: str = "msisdn"
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """``setting`` per phone number in the body's ``field`` (or, without one, per signed-in
    account), and the per-address ceiling."""
    return rate_limit(scope or setting, per_number(setting, field))


def limit_by_username_and_ip(
    setting: str, scope: str | None = None, *, field: str = "username"
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Like ``limit_by_msisdn_and_ip`` for staff sign-in, keyed by the username."""
    return rate_limit(scope or setting, per_username(setting, field))


def _hit(setting: str, scope: str, key: str) -> None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    try:
        for item in parse_many(current_app.config[setting]):
            if not limiter.limiter.hit(item, "postcash", scope, key):
                reset = limiter.limiter.get_window_stats(item, "postcash", scope, key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                log.warning("rate limit %s passed for %s (%s)", setting, scope, key.split(":")[0])
                raise TooManyRequests(f"Too many requests for {scope}.", retry_after=wait)
    except TooManyRequests:
        raise
    except Exception as exc:  # storage down: let the request through, say so in the log
        if not current_app.config.get("RATELIMIT_SWALLOW_ERRORS", True):
            raise
        log.error("rate limit storage unavailable: %s", exc.__class__.__name__)


def count_sign_in(username: str, scope: str = "RATELIMIT_LOGIN:staff") -> None:
    """Count a staff sign-in made outside the REST door (the counter's web form) against
    the same limits as ``POST /auth/agent/login``: the address ceiling and the username's
    ``RATELIMIT_LOGIN``, in the same scope, so the two doors share one budget.
    ``TooManyRequests`` past a limit."""
    _hit(CEILING, scope, f"ip:{get_remote_address() or 'unknown'}")
    name = username.strip().lower()[:64] if isinstance(username, str) else ""
    if name:
        _hit("RATELIMIT_LOGIN", scope, f"username:{name}")


def count_customer_attempt(msisdn: str, setting: str = "RATELIMIT_LOGIN") -> None:
    """Count a customer's sign-in (``RATELIMIT_LOGIN``) or registration
    (``RATELIMIT_REGISTER``) made on the portal's web forms against the same limits as
    the REST door (same scope, same key: the number in E.164), so the two doors share
    one budget. ``TooManyRequests`` past a limit."""
    _hit(CEILING, setting, f"ip:{get_remote_address() or 'unknown'}")
    e164 = try_normalize_msisdn(msisdn, current_app.config.get("ALLOWED_REGIONS"))
    if e164 is not None:
        _hit(setting, setting, f"msisdn:{e164}")
