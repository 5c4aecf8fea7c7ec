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

The handler's ``transaction()`` blocks join one unit of work opened here
(``JoinedTransaction``) and the answer is stored in it: the money and the
answer commit together or not at all. A process killed mid-request (a
gunicorn worker, a lost database) therefore leaves either both or neither.

On PostgreSQL the claim is in that same transaction too (issue 21: one
transaction, one statement for the claim, none for a separate commit): one
statement takes the key's advisory lock without waiting and inserts the
``in_progress`` record. A twin that finds the lock taken answers 409 at once;
nobody else ever sees an uncommitted claim, and a dead attempt's claim dies
with its transaction, so the retry simply runs. On SQLite (one writer at a
time: a twin could not even begin while the first attempt writes) the claim
commits in its own short transaction first, and a dead attempt's claim is
taken over after ``IN_PROGRESS_LEASE``; claims committed that way by an older
version on PostgreSQL are taken over once their advisory lock is free. The
retry replays the stored answer or runs the request afresh. The claim's
``created_at`` is its token: an attempt whose claim was taken over cannot
store its answer, so it rolls back instead of applying twice.

Stored requests and answers may carry secrets (the code of a claim or a
payout, the cash-out code a withdrawal answers with), and the table outlives
them by a day: the request is kept only as an HMAC under a key derived from
``SECRET_KEY`` (a plain SHA-256 of ``{"code": "…"}`` is searched through 10^10
codes in seconds), and the answer is sealed (``app.secretbox``). Records
written before this rule (plain hashes, clear answers) are still honoured
until they expire.

Usage, under the auth decorator so the principal is known::

    @require("customer")
    @idempotent
    def post(self): ...

    @require("customer")
    @idempotent(optional=True)  # confirm/cancel: honoured when sent
    def post(self, transfer_id): ...
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache
from typing import Any, ParamSpec, TypeVar, overload

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
    Update,
    bindparam,
    delete,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.exceptions import HTTPException

from app.api.problem import PROBLEM_JSON, problem_body
from app.api.validation import NOT_IN_IDS
from app.clock import clock
from app.db import (
    Base,
    BigIntPK,
    JoinedTransaction,
    Runtime,
    UTCDateTime,
    current_runtime,
    rows_matched,
    settings,
)
from app.errors import (
    DomainError,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    RequestInProgress,
    ValidationFailed,
)
from app.principal import current_principal
from app.secretbox import InvalidToken, keyring, mac_key, seal, unseal

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Answers that mean "try again", not "this is what happened".
RETRYABLE_CODES = ("request_in_progress", "rate_limited")
# SQLite: how long a claim protects a request that has not answered yet. Longer
# than any request may run (gunicorn kills a worker after GUNICORN_TIMEOUT, 30 s):
# past it, the attempt that claimed the key is dead and a retry may take over.
# PostgreSQL knows at once, from the attempt's advisory lock (``LOCK_SPACE``).
IN_PROGRESS_LEASE = timedelta(seconds=60)
FINGERPRINT_PURPOSE = "idempotency-request"
RESPONSE_PURPOSE = "idempotency-response"
LOCK_SPACE = 0x1DE4  # first key of the advisory locks of idempotency keys
# Between committing its claim and taking its lock an attempt is alive but unlocked.
CLAIM_GRACE = timedelta(seconds=2)
# Headers of the first response that are not replayed as they were.
_VOLATILE_HEADERS = {"content-length", "x-request-id", "set-cookie", "date"}

P = ParamSpec("P")
R = TypeVar("R")


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


@overload
def idempotent(func: Callable[P, R], *, optional: bool = False) -> Callable[P, R | Response]: ...


@overload
def idempotent(
    func: None = None, *, optional: bool = False
) -> Callable[[Callable[P, R]], Callable[P, R | Response]]: ...


def idempotent(
    func: Callable[P, R] | None = None, *, optional: bool = False
) -> Callable[P, R | Response] | Callable[[Callable[P, R]], Callable[P, R | Response]]:
    """Make a flask-restx Resource method honour ``Idempotency-Key``.

    Required unless ``optional``; an optional key is still honoured when sent.
    """

    def decorate(view: Callable[P, R]) -> Callable[P, R | Response]:
        @functools.wraps(view)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | Response:
            key = request.headers.get(HEADER)
            if key is None:
                if optional:
                    return view(*args, **kwargs)
                raise IdempotencyKeyMissing(f"This request needs an {HEADER} header.")
            if not 0 < len(key) <= MAX_KEY_LENGTH or NOT_IN_IDS.search(key):
                raise ValidationFailed(
                    {HEADER: [f"Must be 1 to {MAX_KEY_LENGTH} characters, none a control one."]}
                )
            return _run_once(view, args, kwargs, current_principal().key, key)

        description = "Unique per request; a retry with the same key and body is replayed."
        # flask-restx reads a method's docs from this attribute, unknown to a function's type.
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
        return wrapper

    if func is not None:
        return decorate(func)
    return decorate


def _run_once(
    view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], who: str, key: str
) -> Response:
    runtime = current_runtime()
    fingerprint = request_fingerprint(runtime.config.SECRET_KEY)
    if _claims_in_the_request(runtime):
        return _run_once_in_one_transaction(runtime, view, args, kwargs, who, key, fingerprint)
    claim = _claim(runtime, who, key, fingerprint)
    if isinstance(claim, Response):
        return claim
    with JoinedTransaction(runtime) as joined:
        return _run_claimed(joined, runtime, view, args, kwargs, who, key, claim, committed=True)


def _claims_in_the_request(runtime: Runtime) -> bool:
    """Whether the claim goes in the request's own transaction (PostgreSQL) or commits first."""
    return runtime.database.dialect == "postgresql"


def _run_once_in_one_transaction(
    runtime: Runtime,
    view: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    who: str,
    key: str,
    fingerprint: str,
) -> Response:
    """PostgreSQL: claim, work and answer in one transaction (see the module's doc)."""
    ttl = timedelta(seconds=runtime.config.IDEMPOTENCY_TTL)
    for _ in range(3):
        with JoinedTransaction(runtime) as joined:
            session = joined.session
            now = clock.now()
            locked, claimed = _lock_and_insert(session, who, key, fingerprint, now, now + ttl)
            if not locked:
                raise RequestInProgress("The first request with this key is still running.")
            if claimed:
                return _run_claimed(
                    joined, runtime, view, args, kwargs, who, key, now, committed=False
                )
            existing = _record(session, who, key)
            if existing is None:  # its writer rolled back meanwhile: try again
                continue
            if existing.expires_at <= now:  # past its retention, not yet purged
                session.execute(
                    delete(IdempotencyRecord).where(IdempotencyRecord.id == existing.id)
                )
                joined.commit()
                continue
            _refuse_another_body(existing, fingerprint, runtime.config.SECRET_KEY)
            if existing.status == "done":
                return _replay(existing, runtime.config.SECRET_KEY)
            # A claim committed by an older version: we hold its advisory lock, so
            # its attempt is over, unless it is still between its claim and its lock.
            if existing.created_at > now - CLAIM_GRACE:
                raise RequestInProgress("The first request with this key is still running.")
            token = max(now, existing.created_at + timedelta(microseconds=1))
            taken = session.execute(
                update(IdempotencyRecord)
                .where(
                    IdempotencyRecord.id == existing.id,
                    IdempotencyRecord.status == "in_progress",
                    IdempotencyRecord.created_at == existing.created_at,
                )
                .values(created_at=token)
            )
            if rows_matched(taken) != 1:
                continue
            log.warning("idempotency key of a dead request taken over (record %s)", existing.id)
            return _run_claimed(
                joined, runtime, view, args, kwargs, who, key, token, committed=True
            )
    raise RequestInProgress("The first request with this key is still running.")


def _run_claimed(
    joined: JoinedTransaction,
    runtime: Runtime,
    view: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    who: str,
    key: str,
    claim: datetime,
    *,
    committed: bool,
) -> Response:
    """Run the handler under the claim ``claim`` and store its answer in its transaction.

    ``committed``: the claim was committed before (SQLite, or a takeover), so giving
    the key back after a "try again" deletes it; an uncommitted claim goes with the
    rollback."""
    try:
        result = view(*args, **kwargs)
    except (DomainError, HTTPException) as exc:
        body, status, _headers = problem_body(exc)
        if status >= 500 or body.get("code") in RETRYABLE_CODES:
            _abandon(joined, runtime, who, key, claim, committed)
            raise
        payload = json.dumps(body, ensure_ascii=False)
        headers = {"Content-Type": PROBLEM_JSON}
        if not joined.keep_on_error:
            joined.rollback()  # the refusal changed nothing; remember only the answer
            if not committed:  # the claim went with it: store the answer on its own
                _store_refusal(joined, runtime, who, key, claim, status, payload, headers)
                raise
            _hold_while_running(joined.session, who, key)
        _finish(joined, who, key, claim, status, payload, headers)
        raise
    except BaseException:
        _abandon(joined, runtime, who, key, claim, committed)
        raise
    response = _as_response(args, result)
    if response.status_code >= 500 or response.status_code == 429:
        _abandon(joined, runtime, who, key, claim, committed)
        return response
    headers = {k: v for k, v in response.headers.items() if k.lower() not in _VOLATILE_HEADERS}
    _finish(joined, who, key, claim, response.status_code, response.get_data(as_text=True), headers)
    return response


# One round trip: the key's advisory lock if free (never waiting), and the claim if
# the lock was had and no record holds the key. A record committed meanwhile makes
# the insert do nothing; an uncommitted one is always its locker's, so never waited for.
_LOCK_AND_INSERT = text(
    """
    WITH lock AS (SELECT pg_try_advisory_xact_lock(:space, :id) AS got),
    claimed AS (
        INSERT INTO idempotency_records
            (principal_key, key, request_hash, status, response_status, response_body,
             response_headers, created_at, expires_at)
        SELECT :who, :key, :request_hash, :status, :response_status, :response_body,
               CAST(:response_headers AS JSON), :created_at, :expires_at
        FROM lock WHERE lock.got
        ON CONFLICT (principal_key, key) DO NOTHING
        RETURNING id
    )
    SELECT lock.got, (SELECT count(*) FROM claimed) AS claimed FROM lock
    """
).bindparams(
    bindparam("created_at", type_=UTCDateTime()),
    bindparam("expires_at", type_=UTCDateTime()),
)


def _lock_and_insert(
    session: Session,
    who: str,
    key: str,
    fingerprint: str,
    now: datetime,
    expires_at: datetime,
    *,
    answer: tuple[int, str, dict[str, str]] | None = None,
) -> tuple[bool, bool]:
    """(the key's lock was free, a record was inserted): ``in_progress``, or ``done``
    with ``answer`` (status, sealed body, headers)."""
    status, body, headers = answer if answer is not None else (None, None, None)
    row = session.execute(
        _LOCK_AND_INSERT,
        {
            **_lock_ids(who, key),
            "who": who,
            "key": key,
            "request_hash": fingerprint,
            "status": "in_progress" if answer is None else "done",
            "response_status": status,
            "response_body": body,
            "response_headers": None if headers is None else json.dumps(headers),
            "created_at": now,
            "expires_at": expires_at,
        },
    ).one()
    return bool(row.got), bool(row.claimed)


def _store_refusal(
    joined: JoinedTransaction,
    runtime: Runtime,
    who: str,
    key: str,
    claim: datetime,
    status: int,
    payload: str,
    headers: dict[str, str],
) -> None:
    """After a refusal rolled back an uncommitted claim, store the answer as ``done``.

    If a twin took the key meanwhile (it was waiting on our lock), the twin answers
    for it instead; this attempt still reports its own refusal."""
    ttl = timedelta(seconds=runtime.config.IDEMPOTENCY_TTL)
    sealed = seal(runtime.config.SECRET_KEY, RESPONSE_PURPOSE, payload)
    _lock_and_insert(
        joined.session,
        who,
        key,
        request_fingerprint(runtime.config.SECRET_KEY),
        claim,
        claim + ttl,
        answer=(status, sealed, headers),
    )
    joined.commit()


def _record(session: Session, who: str, key: str) -> IdempotencyRecord | None:
    return session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.principal_key == who, IdempotencyRecord.key == key
        )
    )


def _refuse_another_body(record: IdempotencyRecord, fingerprint: str, secret_key: str) -> None:
    if record.request_hash != fingerprint and record.request_hash not in (
        _earlier_fingerprints(secret_key)
    ):
        raise IdempotencyKeyReused(f"This {HEADER} was already used for a different request.")


def _earlier_fingerprints(secret_key: str) -> list[str]:
    """This request's fingerprint as records stored before now computed it: under a
    key retired by a rotation (``SECRET_KEY_PREVIOUS``), or unkeyed (older still)."""
    return [request_fingerprint(key) for key in keyring(secret_key)[1:]] + [request_fingerprint()]


def request_fingerprint(secret_key: str | None = None) -> str:
    """HMAC-SHA256 (keyed from ``secret_key``; plain SHA-256 without one, as records
    before the key was used) of method, path and the canonical form of the body.

    A body that is not JSON (nested too deep included: ``RequestJSONProvider``)
    is hashed as its bytes; the handler refuses it afterwards.
    """
    digest = (
        hmac.new(mac_key(secret_key, FINGERPRINT_PURPOSE), digestmod=hashlib.sha256)
        if secret_key
        else hashlib.sha256()
    )
    digest.update(f"{request.method} {request.path}\n".encode())
    if request.is_json:
        body = request.get_json(silent=True)
        if body is not None:
            # guard_request refused lone surrogates already; "surrogatepass" keeps the
            # fingerprint from ever raising on one (the same bytes for any other text)
            digest.update(_canonical(body).encode("utf-8", "surrogatepass"))
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


def _claim(runtime: Runtime, who: str, key: str, fingerprint: str) -> Response | datetime:
    """Commit an ``in_progress`` record and return its token, or answer from the one there."""
    ttl = timedelta(seconds=runtime.config.IDEMPOTENCY_TTL)
    for _ in range(3):
        with runtime.unit_of_work() as uow:
            session = uow.session
            now = clock.now()
            if _insert(session, who, key, fingerprint, now, now + ttl):
                uow.commit()
                return now
            existing = _record(session, who, key)
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
            _refuse_another_body(existing, fingerprint, runtime.config.SECRET_KEY)
            if existing.status != "done":
                if _claimant_alive(session, who, key, existing.created_at, now):
                    raise RequestInProgress("The first request with this key is still running.")
                # The attempt that claimed it died without answering, and stored nothing
                # (its answer commits with its work): this retry runs the request instead.
                token = max(now, existing.created_at + timedelta(microseconds=1))
                taken = session.execute(
                    update(IdempotencyRecord)
                    .where(
                        IdempotencyRecord.id == existing.id,
                        IdempotencyRecord.status == "in_progress",
                        IdempotencyRecord.created_at == existing.created_at,
                    )
                    .values(created_at=token)
                )
                uow.commit()
                if rows_matched(taken) == 1:
                    log.warning(
                        "idempotency key of a dead request taken over (record %s)", existing.id
                    )
                    return token
                continue
            return _replay(existing, runtime.config.SECRET_KEY)
    raise RequestInProgress("The first request with this key is still running.")


def _lock_ids(who: str, key: str) -> dict[str, int]:
    digest = hashlib.sha256(f"{who}\0{key}".encode()).digest()
    return {"space": LOCK_SPACE, "id": int.from_bytes(digest[:4], "big", signed=True)}


def _hold_while_running(session: Session, who: str, key: str) -> None:
    """PostgreSQL: hold the key's advisory lock until this attempt's transaction ends.

    The server releases it when the transaction ends for any reason, a connection
    cut by a killed process or a restarted server included: a lock that can be
    taken means nobody is running the request any more.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :id)"), _lock_ids(who, key))


def _claimant_alive(
    session: Session, who: str, key: str, claimed_at: datetime, now: datetime
) -> bool:
    """Whether the attempt that claimed the key may still be running it.

    On PostgreSQL its advisory lock says so, once the attempt had the moment it
    needs to take it (``CLAIM_GRACE`` after the claim). On SQLite (one machine,
    the embedded default) only the time says: a claim older than the lease is dead.
    """
    if session.get_bind().dialect.name == "postgresql":
        if claimed_at > now - CLAIM_GRACE:
            return True
        free = session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:space, :id)"), _lock_ids(who, key)
        )
        return not free
    return claimed_at > now - IN_PROGRESS_LEASE


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


def _replay(record: IdempotencyRecord, secret_key: str) -> Response:
    body = record.response_body or ""
    if body:
        # an answer stored in clear before answers were sealed is replayed as it is
        with contextlib.suppress(InvalidToken):
            body = unseal(secret_key, RESPONSE_PURPOSE, body)
    response = Response(body, status=record.response_status or 200)
    for name, value in (record.response_headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED_HEADER] = "true"
    return response


@cache
def _store_answer() -> Update:
    # Built once: every money-moving request runs it.
    columns = IdempotencyRecord.__table__.c
    return (
        update(IdempotencyRecord)
        .where(
            IdempotencyRecord.principal_key == bindparam("b_who"),
            IdempotencyRecord.key == bindparam("b_key"),
            IdempotencyRecord.status == "in_progress",
            IdempotencyRecord.created_at == bindparam("b_claim"),
        )
        .values(
            {
                "status": "done",
                **{
                    name: bindparam(f"b_{name}", type_=columns[name].type)
                    for name in ("response_status", "response_body", "response_headers")
                },
            }
        )
    )


def _finish(
    joined: JoinedTransaction,
    who: str,
    key: str,
    claim: datetime,
    status: int,
    body: str,
    headers: dict[str, str],
) -> None:
    """Store the answer in the request's own transaction and commit both.

    If the claim was taken over meanwhile (this attempt outlived its lease), the
    other attempt owns the key: this one rolls back and says "in progress".
    A Core UPDATE on the transaction's connection: the ORM's bulk-update path
    (evaluating the criteria against loaded objects, none of which is a record)
    cost more CPU than the statement (issue 21's profile). The view's
    ``transaction()`` block flushed its changes when it ended.
    """
    session = joined.session
    session.flush()
    stored = session.connection().execute(
        _store_answer(),
        {
            "b_who": who,
            "b_key": key,
            "b_claim": claim,
            "b_response_status": status,
            "b_response_body": seal(settings(session).SECRET_KEY, RESPONSE_PURPOSE, body),
            "b_response_headers": headers,
        },
    )
    if rows_matched(stored) != 1:
        joined.rollback()
        raise RequestInProgress("Another attempt with this key took over; it answers instead.")
    joined.commit()


def _abandon(
    joined: JoinedTransaction,
    runtime: Runtime,
    who: str,
    key: str,
    claim: datetime,
    committed: bool = True,
) -> None:
    """Undo the attempt and free the key for a retry, whatever state the connection is in.

    An uncommitted claim goes with the rollback; a committed one is deleted."""
    with contextlib.suppress(Exception):  # a lost connection cannot roll back; closing will
        joined.rollback()
    if committed:
        _release(runtime, who, key, claim)


def _release(runtime: Runtime, who: str, key: str, claim: datetime) -> None:
    try:
        with runtime.unit_of_work() as uow:
            uow.session.execute(
                delete(IdempotencyRecord).where(
                    IdempotencyRecord.principal_key == who,
                    IdempotencyRecord.key == key,
                    IdempotencyRecord.status == "in_progress",
                    IdempotencyRecord.created_at == claim,
                )
            )
            uow.commit()
    except Exception:  # the database is gone: the claim lapses after IN_PROGRESS_LEASE
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
    return rows_matched(result)
