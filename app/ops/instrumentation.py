"""Every HTTP request timed, counted and logged once; ``GET /metrics`` for Prometheus.

``/metrics`` can be turned off (``METRICS_ENABLED=off``: a 404) or protected
(``METRICS_TOKEN``: only ``Authorization: Bearer <token>`` is answered, compared
in constant time; Prometheus sends it with ``authorization: {credentials: …}``).
Production refuses to start with it open (``Config.validate``).

The access line is written by the application, not by gunicorn, so it carries
the request id and the route template (``/api/v1/transfers/<id>/confirm``)
instead of the raw path and query string, where a number or a code could hide.
Requests that match no route are counted under one ``<unmatched>`` label so a
scanner cannot blow up the number of series.
"""

from __future__ import annotations

import hmac
import logging
import time

from flask import Blueprint, Flask, Response, g, request

from app.api.problem import problem_response
from app.db import current_runtime
from app.errors import NotFound, Unauthorized
from app.ops.metrics import HTTP_LATENCY, HTTP_REQUESTS, exposition

log = logging.getLogger("app.access")

blueprint = Blueprint("metrics", __name__)

UNMATCHED = "<unmatched>"


@blueprint.get("/metrics")
def metrics() -> Response:
    runtime = current_runtime()
    config = runtime.config
    if not config.METRICS_ENABLED:
        raise NotFound("No such page.")
    if config.METRICS_TOKEN and not _bearer_is(config.METRICS_TOKEN):
        refused = problem_response(Unauthorized("Use 'Authorization: Bearer <METRICS_TOKEN>'."))
        refused.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refused
    body, content_type = exposition(runtime)
    return Response(body, content_type=content_type)


def _bearer_is(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode("utf-8", "replace"), token.encode()
    )


def register_instrumentation(app: Flask) -> None:
    app.register_blueprint(blueprint)
    app.before_request(_start_timer)
    app.after_request(_count_and_log)


def _start_timer() -> None:
    g.request_started = time.perf_counter()


def _count_and_log(response: Response) -> Response:
    started = g.pop("request_started", None)
    elapsed = time.perf_counter() - started if started is not None else 0.0
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    HTTP_LATENCY.labels(request.method, route).observe(elapsed)
    log.info(
        "%s %s %s %.1fms",
        request.method,
        route,
        response.status_code,
        elapsed * 1000,
        extra={
            "fields": {
                "method": request.method,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
            }
        },
    )
    return response
