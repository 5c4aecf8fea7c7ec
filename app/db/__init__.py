"""The database: engine, unit of work, outbox and set-based SQL (docs/CONVENTIONS.md).

* ``engine.py``: the engine per backend, the declarative ``Base`` and its column
  types, a session's ``on_commit`` follow-ups and the ``UnitOfWork`` that commits.
* ``runtime.py``: what one running application holds (configuration, database,
  job queue), ``settings(session)``, and ``transaction()``, the unit of work an
  edge (a request, a job, a command) opens (``lookup()`` for a lone read).
* ``jobs.py``: the transactional outbox (``enqueue``) and ``queue.py`` its dispatcher.
* ``bulk.py``: many rows looked up, written or drawn per statement.

The names of ``engine.py`` and ``runtime.py`` are imported from here
(``from app.db import Base, transaction, settings``); the outbox and the bulk
helpers by module (``from app.db import jobs``, ``from app.db.bulk import insert_rows``).
"""

from app.db.engine import (
    NAMING_CONVENTION,
    Base,
    BigIntPK,
    Database,
    UnitOfWork,
    UTCDateTime,
    make_engine,
    on_commit,
    rows_matched,
    utcnow,
)
from app.db.runtime import (
    JoinedTransaction,
    Runtime,
    current_runtime,
    lookup,
    runtime_of,
    settings,
    transaction,
    unit_of_work,
)

__all__ = [
    "NAMING_CONVENTION",
    "Base",
    "BigIntPK",
    "Database",
    "JoinedTransaction",
    "Runtime",
    "UTCDateTime",
    "UnitOfWork",
    "current_runtime",
    "lookup",
    "make_engine",
    "on_commit",
    "rows_matched",
    "runtime_of",
    "settings",
    "transaction",
    "unit_of_work",
    "utcnow",
]
