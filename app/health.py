"""GET /health: is the database reachable, is the queue reachable.

200 ``ok`` when both are; 200 ``degraded`` when only Redis is down (money still
moves, notifications wait in the outbox); 503 when the database is down.
"""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.runtime import current_runtime

log = logging.getLogger(__name__)

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
def health():  # type: ignore[no-untyped-def]
    rt = current_runtime()
    database = "ok"
    try:
        assert rt.database.engine is not None
        with rt.database.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        log.error("health: database unreachable: %s", exc.__class__.__name__)
        database = "down"
    if rt.queue.uses_rq:
        try:
            rt.queue.rq_queue().connection.ping()
            queue = "ok"
        except Exception as exc:
            log.warning("health: redis unreachable: %s", exc.__class__.__name__)
            queue = "down"
    else:
        queue = "in-process"
    if database != "ok":
        status, code = "down", 503
    elif queue == "down":
        status, code = "degraded", 200
    else:
        status, code = "ok", 200
    return jsonify({"status": status, "database": database, "queue": queue}), code
