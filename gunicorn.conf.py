"""gunicorn settings for ``make serve`` and production (``gunicorn -c gunicorn.conf.py wsgi:app``).

Environment: ``PORT`` (8000), ``WEB_CONCURRENCY`` (caps the worker count),
``GUNICORN_THREADS`` (4), ``GUNICORN_TIMEOUT`` (30 s), ``LOG_LEVEL`` (INFO),
``PROMETHEUS_MULTIPROC_DIR`` (a fresh directory per master when unset),
``FORWARDED_ALLOW_IPS`` (read by gunicorn itself: the load balancer's address).

* Workers: cores + 1, capped by ``WEB_CONCURRENCY``; each runs a few
  threads (gthread), since a request mostly waits on PostgreSQL or Redis.
  Measured with ``bench.p2p_http`` on 2 cores (issue 21, docs/DEPLOY.md
  "Sizing the web tier"): 2, 3 and 4 workers of 4 threads gave the same
  transfers/s within the noise of a shared machine, and 5 (the old 2 * cores
  + 1) no more; extra processes only add memory and PostgreSQL connections
  (the pool is per thread), and a single thread per worker was the slowest.
* The application is not preloaded: each worker imports it after the fork, so
  no database connection or Redis socket is ever shared between processes,
  and prometheus_client sees ``PROMETHEUS_MULTIPROC_DIR`` before its first
  metric is created.
* gunicorn's own access log is off: the application writes one JSON access
  line per request with its request id and route template (app/ops/instrumentation.py).
  gunicorn's error log (boot, worker timeouts) is JSON on stderr too.
* Workers are not recycled after N requests (``max_requests`` = 0): every
  dead worker leaves its metric files behind, which a scrape must read.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile

_own_multiproc_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
_multiproc_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="postcash-metrics-"
)
# Set before any worker exists: workers inherit it and prometheus_client reads it at import.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _multiproc_dir


def _workers() -> int:
    by_cores = multiprocessing.cpu_count() + 1
    cap = os.environ.get("WEB_CONCURRENCY")
    return max(1, min(by_cores, int(cap))) if cap else by_cores


bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = _workers()
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# One database connection per thread (a request holds one at a time), two spare
# for a follow-up after the commit; read by the app in each worker (app.config).
os.environ.setdefault("DB_POOL_SIZE", str(threads))
os.environ.setdefault("DB_MAX_OVERFLOW", "2")
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
# Longer than the load balancer's idle timeout (60 s on most), so the balancer,
# not gunicorn, closes idle connections and never reuses a half-closed one.
keepalive = 75
preload_app = False
max_requests = 0
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    # The application adds its own JSON handler to the root logger in each worker.
    "root": {"level": os.environ.get("LOG_LEVEL", "INFO").upper(), "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["json"], "propagate": False},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
    "handlers": {
        "json": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "formatters": {"json": {"()": "app.ops.observability.JsonFormatter"}},
}


def on_starting(server):  # type: ignore[no-untyped-def]
    """Start from empty metric files: counters restart with the master."""
    shutil.rmtree(_multiproc_dir, ignore_errors=True)
    os.makedirs(_multiproc_dir, exist_ok=True)


def child_exit(server, worker):  # type: ignore[no-untyped-def]
    """Drop a dead worker's live gauges; its counters stay in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _multiproc_dir)


def on_exit(server):  # type: ignore[no-untyped-def]
    if _own_multiproc_dir:
        shutil.rmtree(_multiproc_dir, ignore_errors=True)
