"""``Idempotency-Key`` for money-moving requests (API.md, "Conventions").

A unique constraint on (principal, key) plus a "return what was already done"
path. Before the handler runs, an ``in_progress`` record is committed in its
own short transaction, so a concurrent request with the same key finds it and
gets 409 ``request_in_progress`` instead of executing a second time. Once the
handler is done, its response (success or a domain error) is stored and every
later request with the same key and body gets it again, with
``Idempotent-Replayed: true``. The same key with another body is 422
``idempotency_key_reused``. A 5xx, a 409 ``request_in_progress`` or a 429 is
not an answer to the request but a "try again": the record is deleted so the
client may retry with the same key. Records live ``IDEMPOTENCY_TTL`` (24 h);
``purge_expired`` removes them afterwards.

Usage, under the auth decorator so the principal is known::

    @require("customer")
    @idempotent
    def post(self): ...

    @require("customer")
    @idempotent(optional=True)  # confirm/cancel: honoured when sent
    def post(self, transfer_id): ...
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from flask import Response, jsonify, request
from flask import make_response as flask_make_response
from flask_restx.utils import merge, unpack
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.exceptions import HTTPException

from app.api.problem import PROBLEM_JSON, problem_body
from app.auth.principal import current_principal
from app.clock import clock
from app.db import Base, BigIntPK, UTCDateTime
from app.errors import (
    DomainError,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    RequestInProgress,
    ValidationFailed,
)
from app.runtime import Runtime, current_runtime

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Answers that mean "try again", not "this is what happened".
RETRYABLE_CODES = ("request_in_progress", "rate_limited")
# Headers of the first response that are not replayed as they were.
_VOLATILE_HEADERS = {"content-length", "x-request-id", "set-cookie", "date"}

F = TypeVar("F", bound=Callable[..., Any])


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("principal_key", "key"),
        CheckConstraint("status IN ('in_progress', 'done')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    principal_key: Mapped[str] = mapped_column(String(120))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(12), default="in_progress")
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


def idempotent(func: F | None = None, *, optional: bool = False) -> Any:
    """Make a flask-restx Resource method honour ``Idempotency-Key``.

    Required unless ``optional``; an optional key is still honoured when sent.
    """

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            key = request.headers.get(HEADER)
            if key is None:
                if optional:
                    return view(*args, **kwargs)
                raise IdempotencyKeyMissing(f"This request needs an {HEADER} header.")
            if not 0 < len(key) <= MAX_KEY_LENGTH:
                raise ValidationFailed({HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} characters."]})
            return _run_once(view, args, kwargs, current_principal().key, key)

        description = "Unique per request; a retry with the same key and body is replayed."
        wrapper.__apidoc__ = merge(  # type: ignore[attr-defined]
            getattr(wrapper, "__apidoc__", {}),
            {
                "params": {
                    HEADER: {
                        "in": "header",
                        "type": "string",
                        "required": not optional,
                        "description": description,
                    }
                }
            },
        )
        return wrapper  # type: ignore[return-value]

    if func is not None:
        return decorate(func)
    return decorate


def _run_once(
    view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], who: str, key: str
) -> Response:
    runtime = current_runtime()
    replay = _claim(runtime, who, key, request_fingerprint())
    if replay is not None:
        return replay
    try:
        result = view(*args, **kwargs)
    except (DomainError, HTTPException) as exc:
        body, status, _headers = problem_body(exc)
        if status >= 500 or body.get("code") in RETRYABLE_CODES:
            _release(runtime, who, key)
        else:
            payload = json.dumps(body, ensure_ascii=False)
            _store(runtime, who, key, status, payload, {"Content-Type": PROBLEM_JSON})
        raise
    except BaseException:
        _release(runtime, who, key)
        raise
    response = _as_response(args, result)
    if response.status_code >= 500 or response.status_code == 429:
        _release(runtime, who, key)
    else:
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _VOLATILE_HEADERS}
        _store(runtime, who, key, response.status_code, response.get_data(as_text=True), headers)
    return response


def request_fingerprint() -> str:
    """SHA-256 of method, path and the canonical form of the body."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.path}\n".encode())
    if request.is_json:
        body = request.get_json(silent=True)
        if body is not None:
            digest.update(_canonical(body).encode())
        else:
            digest.update(request.get_data(cache=True))
    elif request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        digest.update(_canonical(sorted(request.form.items(multi=True))).encode())
        for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
            digest.update(f"\n{name}:{upload.filename}\n".encode())
            digest.update(upload.stream.read())
            upload.stream.seek(0)
    else:
        digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _claim(runtime: Runtime, who: str, key: str, fingerprint: str) -> Response | None:
    """Commit an ``in_progress`` record, or answer from the one already there."""
    ttl = timedelta(seconds=runtime.config.IDEMPOTENCY_TTL)
    for _ in range(3):
        with runtime.unit_of_work() as uow:
            session = uow.session
            now = clock.now()
            if _insert(session, who, key, fingerprint, now, now + ttl):
                uow.commit()
                return None
            existing = session.scalar(
                select(IdempotencyRecord).where(
                    IdempotencyRecord.principal_key == who, IdempotencyRecord.key == key
                )
            )
            if existing is None:  # released meanwhile: try again
                continue
            if existing.expires_at <= now:  # past its retention, not yet purged
                session.execute(
                    delete(IdempotencyRecord).where(
                        IdempotencyRecord.id == existing.id, IdempotencyRecord.expires_at <= now
                    )
                )
                uow.commit()
                continue
            if existing.request_hash != fingerprint:
                raise IdempotencyKeyReused(
                    f"This {HEADER} was already used for a different request."
                )
            if existing.status != "done":
                raise RequestInProgress("The first request with this key is still running.")
            return _replay(existing)
    raise RequestInProgress("The first request with this key is still running.")


def _insert(
    session: Session, who: str, key: str, fingerprint: str, now: datetime, expires_at: datetime
) -> bool:
    try:
        with session.begin_nested():
            session.add(
                IdempotencyRecord(
                    principal_key=who,
                    key=key,
                    request_hash=fingerprint,
                    status="in_progress",
                    created_at=now,
                    expires_at=expires_at,
                )
            )
    except IntegrityError:
        return False
    return True


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body or "", status=record.response_status or 200)
    for name, value in (record.response_headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


def _store(
    runtime: Runtime, who: str, key: str, status: int, body: str, headers: dict[str, str]
) -> None:
    # The operation is done; failing to remember its answer must not turn it into
    # an error for the client, whose retries will then get 409 until expiry.
    try:
        with runtime.unit_of_work() as uow:
            uow.session.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.principal_key == who,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status == "in_progress",
                )
                .values(
                    status="done",
                    response_status=status,
                    response_body=body,
                    response_headers=headers,
                )
            )
            uow.commit()
    except Exception:
        log.exception("could not store the response of an idempotent request")


def _release(runtime: Runtime, who: str, key: str) -> None:
    try:
        with runtime.unit_of_work() as uow:
            uow.session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.principal_key == who,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status == "in_progress",
                )
            )
            uow.commit()
    except Exception:
        log.exception("could not release an idempotency key")


def _as_response(args: tuple[Any, ...], result: Any) -> Response:
    """The handler's return value as the response flask-restx would have built."""
    if isinstance(result, Response):
        return result
    data, status, headers = unpack(result)
    api = getattr(args[0], "api", None) if args else None
    if api is not None:
        return api.make_response(data, status, headers=headers)
    return flask_make_response(jsonify(data), status, headers)


def purge_expired(session: Session, now: datetime | None = None) -> int:
    """Delete records past their retention; returns how many."""
    result = session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= (now or clock.now()))
    )
    return int(result.rowcount or 0)
