"""The one place where exceptions become HTTP answers (application/problem+json).

Domain errors keep their status and stable code. HTTP errors raised by Flask or
its extensions get a code too. A database that cannot be reached is a 503
``service_unavailable`` with ``Retry-After`` (the unit of work rolled back). A
NUL character the database driver refused is the client's input, a 400
``validation_error`` (the input guards of ``validation.py`` should have caught
it first; the unit of work rolled back too). Anything else is a bug: it is
logged with its stack trace and answered with a bare 500 problem that reveals
nothing.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Response
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from app.errors import DomainError, ValidationFailed

log = logging.getLogger("app.api")

PROBLEM_JSON = "application/problem+json"
RETRY_AFTER_SECONDS = 5

HTTP_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def problem_body(exc: BaseException) -> tuple[dict[str, Any], int, dict[str, str]]:
    headers: dict[str, str] = {}
    if isinstance(exc, DomainError):
        return exc.to_problem(), exc.status, headers
    if isinstance(exc, HTTPException) and exc.code and exc.code < 500:
        code = HTTP_CODES.get(exc.code, "http_error")
        body: dict[str, Any] = {
            "type": f"https://postcash.cg/problems/{code.replace('_', '-')}",
            "title": exc.name,
            "status": exc.code,
            "code": code,
            "detail": exc.description if exc.code != 429 else "Too many requests; retry later.",
        }
        if code == "validation_error":
            body["errors"] = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        if exc.code == 429:
            retry_after = getattr(exc, "retry_after", None)
            headers["Retry-After"] = str(retry_after if isinstance(retry_after, int) else 60)
        return body, exc.code, headers
    if nul_refused_by_database(exc):
        # The input guards (``app/api/validation.py``) should have refused it first;
        # the unit of work rolled back, so nothing was half-applied. Say which input.
        log.warning("a NUL character reached the database: %s", exc.__class__.__name__)
        refused = ValidationFailed(
            {"_body": ["Text must not contain NUL characters."]},
            detail="The request holds a NUL character, which no text field may contain.",
        )
        return refused.to_problem(), refused.status, headers
    if database_unavailable(exc):
        # Not a bug: the database went away (restart, failover, network). The unit of
        # work rolled back, so nothing was half-applied; the client retries later.
        log.error("database unavailable: %s", exc.__class__.__name__)
        body = {
            "type": "https://postcash.cg/problems/service-unavailable",
            "title": "Service unavailable",
            "status": 503,
            "code": "service_unavailable",
            "detail": "The service is temporarily unavailable; nothing was done. Retry later.",
        }
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return body, 503, headers
    log.error("unhandled %s", exc.__class__.__name__, exc_info=exc)
    body = {
        "type": "https://postcash.cg/problems/internal-error",
        "title": "Internal error",
        "status": 500,
        "code": "internal_error",
        "detail": "An unexpected error occurred; it has been logged.",
    }
    return body, 500, headers


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached or lost the connection.

    SQLAlchemy wraps driver errors (``OperationalError``, ``InterfaceError``, an
    invalidated connection); a pool exhausted while the server is down raises its
    ``TimeoutError``; a driver error may also escape unwrapped (psycopg, sqlite3).
    An error raised while cleaning up after a lost connection (a rollback on the
    dead connection: ``PendingRollbackError``) is the same outage, so the chain of
    causes is followed.
    """
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if _connection_lost(link):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return False


def nul_refused_by_database(exc: BaseException) -> bool:
    """True when the database driver refused a NUL character in a text parameter.

    PostgreSQL text cannot hold one and psycopg refuses it before sending
    (``psycopg.DataError``, wrapped by SQLAlchemy): the client's input, not an outage.
    """
    try:
        import psycopg
    except ImportError:  # pragma: no cover - SQLite-only installation
        return False
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, psycopg.DataError) and "NUL" in str(link):
            return True
        seen.add(id(link))
        link = getattr(link, "orig", None) or link.__cause__ or link.__context__
    return False


def _connection_lost(exc: BaseException) -> bool:
    from sqlalchemy import exc as sa_exc

    if isinstance(
        exc,
        sa_exc.OperationalError
        | sa_exc.InterfaceError
        | sa_exc.DisconnectionError
        | sa_exc.TimeoutError,
    ):
        return True
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    import sqlite3

    if isinstance(exc, sqlite3.OperationalError | sqlite3.InterfaceError):
        return True
    try:
        import psycopg
    except ImportError:  # pragma: no cover - SQLite-only installation
        return False
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


def problem_response(exc: BaseException) -> Response:
    body, status, headers = problem_body(exc)
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers)
    return response
