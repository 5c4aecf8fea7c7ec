"""GET /health: can this node serve? Answers within a few seconds, whatever is down.

200 ``ok`` when the database and Redis answer; 200 ``degraded`` when only Redis
is down (money still moves, notifications wait in the outbox and are handed
over when it is back); 503 ``down`` when the database is down or not migrated,
so the load balancer takes the node out.

Each probe opens its own short-lived connection with short timeouts instead of
borrowing from the pools: a pooled connection to a host that vanished can
block for minutes on TCP, and a health check that hangs is worse than none.
The database probe reads ``alembic_version``, so an empty or foreign database
(a wrong ``DATABASE_URL``) counts as down, not as healthy.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, jsonify
from sqlalchemy.engine import Engine

from app.db import current_runtime

log = logging.getLogger(__name__)

blueprint = Blueprint("health", __name__)

CONNECT_TIMEOUT = 2  # seconds, per probe
QUERY_TIMEOUT_MS = 2000


@blueprint.get("/health")
def health() -> tuple[Response, int]:
    rt = current_runtime()
    database = "ok" if _database_answers(rt.database.engine) else "down"
    if rt.queue.uses_rq:
        queue = "ok" if _redis_answers(rt.queue.redis_url) else "down"
    else:
        queue = "in-process"
    if database != "ok":
        status, code = "down", 503
    elif queue == "down":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return jsonify({"status": status, "database": database, "queue": queue}), code


def _database_answers(engine: Engine | None) -> bool:
    if engine is None:
        return False
    dialect = engine.dialect
    try:
        cargs, cparams = dialect.create_connect_args(engine.url)
        if dialect.name == "postgresql":
            options = f"{cparams.get('options', '')} -c statement_timeout={QUERY_TIMEOUT_MS}"
            cparams = {**cparams, "connect_timeout": CONNECT_TIMEOUT, "options": options.strip()}
        else:
            cparams = {**cparams, "timeout": CONNECT_TIMEOUT}
        connection = dialect.connect(*cargs, **cparams)
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT version_num FROM alembic_version")
            migrated = cursor.fetchone() is not None
            cursor.close()
        finally:
            connection.close()
    except Exception as exc:
        log.error("health: database unreachable: %s", exc.__class__.__name__)
        return False
    if not migrated:
        log.error("health: database has no schema version (not migrated)")
    return migrated


def _redis_answers(url: str | None) -> bool:
    from redis import Redis

    try:
        client = Redis.from_url(
            url or "", socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception as exc:
        log.warning("health: redis unreachable: %s", exc.__class__.__name__)
        return False
