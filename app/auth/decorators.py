"""``require(*roles)``: authenticate a REST call and check its role.

The only module of ``app/auth`` that knows Flask; channels use it, domain code
never does. Credentials are ``Authorization: Bearer <token>`` (customers,
agents, admins) or ``X-API-Key`` (partners, merchants, billers, payers). The
check runs in its own short unit of work before the resource opens its own, and
leaves the caller in ``flask.g.principal`` (read it with ``current_principal()``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import g, request
from flask_restx.utils import merge

from app.auth.api_keys import API_ROLES, authenticate_api_key
from app.auth.tokens import TOKEN_ROLES, authenticate_token
from app.db import lookup, transaction
from app.errors import Forbidden, Unauthorized
from app.principal import ROLES, Principal

P = ParamSpec("P")
R = TypeVar("R")


def authenticate_request() -> Principal:
    """The principal behind the request's credentials, or Unauthorized."""
    authorization = request.headers.get("Authorization", "")
    api_key = request.headers.get("X-API-Key", "")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("Use 'Authorization: Bearer <token>'.")
        with lookup() as session:  # one SELECT: no BEGIN/COMMIT on PostgreSQL
            return authenticate_token(session, token.strip())
    if api_key:
        with transaction() as session:
            return authenticate_api_key(session, api_key.strip())
    raise Unauthorized("Authentication required.")


def _security(roles: tuple[str, ...]) -> list[str]:
    wanted = roles or ROLES
    schemes = []
    if any(role in TOKEN_ROLES for role in wanted):
        schemes.append("bearer")
    if any(role in API_ROLES for role in wanted):
        schemes.append("apikey")
    return schemes


def require(*roles: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the decorated resource method to principals of ``roles`` (any role if none).

    No or bad credentials → 401 ``unauthorized``; a valid principal of another
    role → 403 ``forbidden``. Swagger shows the security scheme and both answers.
    """
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    def decorator(fn: Callable[P, R]) -> Callable[P, R]:
        @wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            principal = authenticate_request()
            if roles and principal.role not in roles:
                raise Forbidden(f"Allowed to: {', '.join(roles)}.")
            g.principal = principal
            return fn(*args, **kwargs)

        who = ", ".join(roles) if roles else "any authenticated caller"
        # flask-restx reads a method's docs from this attribute, unknown to a function's type.
        wrapper.__apidoc__ = merge(  # type: ignore[attr-defined]
            getattr(fn, "__apidoc__", {}),
            {
                "security": _security(roles),
                "responses": {
                    "401": ("unauthorized: missing, invalid or expired credentials", None, {}),
                    "403": (f"forbidden: allowed to {who}", None, {}),
                },
            },
        )
        return wrapper

    return decorator
