"""Prometheus metrics: the counters other packages increment, and the exposition.

Import and increment, never create metrics elsewhere::

    from app.ops.metrics import TRANSFERS
    TRANSFERS.labels(type="p2p", outcome="completed").inc()

Under gunicorn each worker is a separate process. When
``PROMETHEUS_MULTIPROC_DIR`` is set (``gunicorn.conf.py`` does it before any
worker starts) prometheus_client keeps every process's values in memory-mapped
files in that directory and a scrape adds them up, whichever worker answers it.
Without it (``flask run``, tests, one rq worker) the default in-process registry
is used. The queue depth is not a stored value: it is read from rq and the
outbox table at scrape time, so it is never stale.

Label values must come from small fixed sets (route templates, not paths;
outcomes, not error messages) so the number of series stays bounded. A Gauge
added here needs a ``multiprocess_mode`` (e.g. ``"livesum"``) to add up across
gunicorn workers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

if TYPE_CHECKING:
    from app.db import Runtime

log = logging.getLogger(__name__)

HTTP_REQUESTS = Counter(
    "postcash_http_requests_total",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "postcash_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
TRANSFERS = Counter(
    "postcash_transfers_total",
    "Payments by type (p2p, cashin, cashout, bill, merchant, remittance, …) and outcome "
    "(completed, cancelled, expired, failed, reversed, …).",
    ["type", "outcome"],
)
OTP_FAILURES = Counter(
    "postcash_otp_failures_total",
    "Wrong, expired or exhausted one-time codes, by purpose.",
    ["purpose"],
)
SMS = Counter(
    "postcash_sms_total",
    "SMS handed to the gateway or reported back, by status (sent, failed, delivered, …).",
    ["status"],
)
JOB_FAILURES = Counter(
    "postcash_job_failures_total",
    "Background job runs that raised, by job name.",
    ["job"],
)
STAFF_LOGIN_FAILURES = Counter(
    "postcash_staff_login_failures_total",
    "Refused staff sign-ins, by reason (unknown_username, password, totp, totp_replayed, "
    "disabled, locked); alert on its rate.",
    ["reason"],
)
STAFF_LOCKOUTS = Counter(
    "postcash_staff_lockouts_total",
    "Staff accounts locked after too many sign-in failures in a row.",
)
STAFF_LOGIN_BURSTS = Counter(
    "postcash_staff_login_failure_bursts_total",
    "Bursts of staff sign-in failures across all accounts (STAFF_LOGIN_BURST in the window).",
)
GATEWAY_REFUSALS = Counter(
    "postcash_gateway_refusals_total",
    "Callbacks (USSD, SMS, delivery reports) refused: address not allowed or bad token.",
    ["reason"],
)
USSD_PIN_THROTTLED = Counter(
    "postcash_ussd_pin_screens_throttled_total",
    "USSD PIN screens refused because the number submitted too many in the window.",
)

QUEUE_DEPTH = "postcash_queue_depth"


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class QueueDepth(Collector):
    """Work waiting at scrape time: the rq queue, and outbox rows not yet handed over.

    A source that cannot be read (Redis or the database down) is left out of
    the scrape rather than reported as zero; ``/health`` says which one is down.
    """

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            QUEUE_DEPTH,
            "Jobs waiting: queued in rq (rq:<queue>), and committed to the outbox but not yet "
            "run (outbox; includes those queued in rq and those waiting for Redis).",
            labels=["queue"],
        )
        pending = self._outbox_pending()
        if pending is not None:
            family.add_metric(["outbox"], pending)
        queue = self.runtime.queue
        if queue.uses_rq:
            try:
                for rq_queue in queue.rq_queues():
                    family.add_metric([f"rq:{rq_queue.name}"], rq_queue.count)
            except Exception as exc:
                log.warning("metrics: rq queue unreadable: %s", exc.__class__.__name__)
        yield family

    def _outbox_pending(self) -> int | None:
        from app.db.jobs import OutboxJob

        try:
            with self.runtime.unit_of_work() as uow:
                return int(
                    uow.session.scalar(
                        select(func.count())
                        .select_from(OutboxJob)
                        .where(OutboxJob.status == "pending")
                    )
                    or 0
                )
        except Exception as exc:
            log.warning("metrics: outbox unreadable: %s", exc.__class__.__name__)
            return None


class _Default(Collector):
    """The process-wide registry, as one collector of a per-scrape registry."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def scrape_registry(runtime: Runtime) -> CollectorRegistry:
    """Every metric of this process (or of all processes, in multiprocess mode) and the queues."""
    registry = CollectorRegistry(auto_describe=False)
    path = multiprocess_dir()
    if path:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=path)
    else:
        registry.register(_Default())
    registry.register(QueueDepth(runtime))
    return registry


def exposition(runtime: Runtime) -> tuple[bytes, str]:
    """The text exposition served at ``GET /metrics``."""
    return generate_latest(scrape_registry(runtime)), CONTENT_TYPE_LATEST


def start_exporter(runtime: Runtime, port: int, addr: str = "0.0.0.0") -> Any:
    """Serve the metrics of a process that has no HTTP side (an rq worker) on ``port``.

    Job failures and SMS counts are incremented in the worker process; without
    this (or a ``PROMETHEUS_MULTIPROC_DIR`` shared with a web node on the same
    host) nobody would ever scrape them. Returns the HTTP server (``shutdown()``).
    """
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=addr, registry=scrape_registry(runtime))
    log.info("metrics exporter listening on %s:%s", addr, port)
    return server
