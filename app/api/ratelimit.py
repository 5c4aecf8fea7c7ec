"""Rate limits per client address and per phone number (or per signed-in caller).

Built on the application's flask-limiter (``app/extensions.py``: Redis storage
when ``REDIS_URL`` is set, memory otherwise) but applied by hand, because the
limits are configuration read per request (``RATELIMIT_LOGIN``,
``RATELIMIT_REGISTER``, ``RATELIMIT_OTP``: flask-limiter strings such as
``"30/minute;300/hour"``) and because one request is counted against two keys:
its IP address and the number it targets. Limiting by number stops a guesser who
rotates addresses; limiting by address stops one who rotates numbers.

Over the limit → 429 problem+json ``rate_limited`` with ``Retry-After``. If the
storage is unreachable the request goes through (config ``RATELIMIT_SWALLOW_ERRORS``):
an outage of Redis must not lock every customer out; PIN lockout still applies.

Usage, under ``@require`` when the caller is authenticated::

    @require("customer")
    @limit_by_msisdn_and_ip("RATELIMIT_OTP")
    def post(self, transfer_id): ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from flask_restx.utils import merge
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from app.customers.msisdn import try_normalize_msisdn
from app.extensions import limiter

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])
Normalizer = Callable[[Any], str | None]


def _hit(setting: str, scope: str, key: str) -> None:
    if not current_app.config.get("RATELIMIT_ENABLED", True):
        return
    try:
        items = parse_many(current_app.config[setting])
        for item in items:
            if not limiter.limiter.hit(item, "postcash", scope, key):
                raise TooManyRequests(f"Too many requests for {scope}; retry later.")
    except TooManyRequests:
        raise
    except Exception as exc:  # storage down: let the request through, say so in the log
        if not current_app.config.get("RATELIMIT_SWALLOW_ERRORS", True):
            raise
        log.error("rate limit storage unavailable: %s", exc.__class__.__name__)


def _body_value(field: str) -> Any:
    body = request.get_json(silent=True)
    return body.get(field) if isinstance(body, dict) else None


def _msisdn(value: Any) -> str | None:
    return try_normalize_msisdn(value, current_app.config.get("ALLOWED_REGIONS"))


def _username(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return value.strip().lower()[:64] or None


def limit_by_ip(setting: str, scope: str | None = None) -> Callable[[F], F]:
    """Count each call against the client address under the limits of ``setting``."""
    return _limit(setting, scope or setting, field=None, normalize=None)


def limit_by_msisdn_and_ip(
    setting: str, scope: str | None = None, *, field: str = "msisdn"
) -> Callable[[F], F]:
    """Count each call against the client address and against the phone number in
    the JSON body's ``field`` (normalised, so "061234567" and "+242061234567" share
    a counter); without one, against the signed-in principal."""
    return _limit(setting, scope or setting, field=field, normalize=_msisdn)


def limit_by_username_and_ip(
    setting: str, scope: str | None = None, *, field: str = "username"
) -> Callable[[F], F]:
    """Like ``limit_by_msisdn_and_ip`` for staff sign-in, keyed by the username."""
    return _limit(setting, scope or setting, field=field, normalize=_username)


def _limit(
    setting: str, scope: str, *, field: str | None, normalize: Normalizer | None
) -> Callable[[F], F]:
    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _hit(setting, scope, f"ip:{get_remote_address() or 'unknown'}")
            if field is not None and normalize is not None:
                subject = normalize(_body_value(field))
                principal = g.get("principal")
                if subject is not None:
                    _hit(setting, scope, f"{field}:{subject}")
                elif principal is not None:
                    _hit(setting, scope, f"principal:{principal.key}")
            return fn(*args, **kwargs)

        wrapper.__apidoc__ = merge(  # type: ignore[attr-defined]
            getattr(fn, "__apidoc__", {}),
            {"responses": {"429": ("rate_limited: too many attempts; see Retry-After", None, {})}},
        )
        return wrapper  # type: ignore[return-value]

    return decorator
