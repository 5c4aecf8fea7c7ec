"""What the write path needs to know about an account, cached once committed.

Every leg names an account by code; posting needs its id and the attributes
that decide how it is locked and checked: normal side, currency and overdraft
rule. Those never change once an account exists (a database trigger refuses
it, ``migrations/ledger_guards.py``) and accounts are never deleted, so they
are cached per engine and a write skips the lookup query.

Only facts a transaction committed enter the cache. An account opened in a
transaction that rolls back never does: SQLite reuses the rowid, and a stale
id would send money to whichever account gets it next. Status (frozen,
closed) is not cached; it is read under the row lock at each write.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from app.ledger.errors import AccountNotFound

# Entries beyond this are dropped all at once: re-resolving costs one query per
# account, far less than a cache that grows with every wallet ever touched.
CACHE_LIMIT = 100_000
_STAGED = "ledger.staged_account_refs"
# Codes per lookup query: under SQLite's default limit of bound parameters.
_QUERY_CHUNK = 900

_REF_COLUMNS = "SELECT id, code, normal, currency, allow_overdraft FROM ledger_accounts "
_SELECT_REFS = text(_REF_COLUMNS + "WHERE code IN :codes").bindparams(
    bindparam("codes", expanding=True)
)
# One array parameter on PostgreSQL, planned on the unique index (app/db/bulk.py).
_PG_SELECT_REFS = text(_REF_COLUMNS + "WHERE code = ANY(:codes)")

_caches: WeakKeyDictionary[Engine, dict[str, AccountRef]] = WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: int
    code: str
    normal: str
    currency: str
    allow_overdraft: bool


def resolve(session: Session, codes: Iterable[str]) -> dict[str, AccountRef]:
    """The refs of ``codes``; raises ``AccountNotFound`` naming the missing ones."""
    cache = _cache_of(session)
    found: dict[str, AccountRef] = {}
    missing: list[str] = []
    for code in codes:
        ref = cache.get(code)
        if ref is None:
            missing.append(code)
        else:
            found[code] = ref
    if missing:
        staged = session.info.setdefault(_STAGED, {})
        connection = session.connection()
        if connection.dialect.name == "postgresql":
            chunks, statement = [missing], _PG_SELECT_REFS
        else:
            step = _QUERY_CHUNK
            chunks = [missing[i : i + step] for i in range(0, len(missing), step)]
            statement = _SELECT_REFS
        for chunk in chunks:
            for row in connection.execute(statement, {"codes": chunk}):
                ref = AccountRef(
                    row.id, row.code, row.normal, row.currency, bool(row.allow_overdraft)
                )
                found[ref.code] = staged[ref.code] = ref
        unknown = set(missing) - found.keys()
        if unknown:
            raise AccountNotFound(f"no account {', '.join(sorted(unknown))}")
    return found


def remember(session: Session, refs: Iterable[AccountRef]) -> None:
    """Stage refs read by another query (the one-statement write) for the cache:
    like ``resolve``'s, they enter it only if this transaction commits."""
    cache = _cache_of(session)
    fresh = [ref for ref in refs if ref.code not in cache]
    if fresh:
        staged = session.info.setdefault(_STAGED, {})
        for ref in fresh:
            staged[ref.code] = ref


def cached(session: Session, codes: Iterable[str]) -> dict[str, AccountRef]:
    """The refs of those of ``codes`` already cached, without a query."""
    cache = _cache_of(session)
    return {code: ref for code in codes if (ref := cache.get(code)) is not None}


def cached_codes(session: Session) -> set[str]:
    """The codes whose refs this session's engine has cached (for tests and diagnostics)."""
    return set(_cache_of(session))


def _cache_of(session: Session) -> dict[str, AccountRef]:
    bind: Any = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    cache = _caches.get(engine)
    if cache is None:
        cache = _caches.setdefault(engine, {})
    return cache


@event.listens_for(Session, "after_commit")
def _publish_staged(session: Session) -> None:
    staged = session.info.pop(_STAGED, None)
    if staged:
        cache = _cache_of(session)
        if len(cache) + len(staged) > CACHE_LIMIT:
            cache.clear()
        cache.update(staged)


@event.listens_for(Session, "after_soft_rollback")
def _discard_staged(session: Session, _previous_transaction: Any) -> None:
    # Any rollback, a savepoint's included, may have undone an account opening.
    session.info.pop(_STAGED, None)
