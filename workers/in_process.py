"""Sweeps without Redis: a thread of the development server runs them on their schedule.

With ``REDIS_URL`` set, ``python -m workers`` enqueues the sweeps of
``workers/schedule.py`` and rq runs them. Without it (``make run``), nobody
would: a transfer past its deadline would keep the sender's money reserved.
So in development, when ``REDIS_URL`` is unset, the application starts one
daemon thread that calls :meth:`InProcessSweeps.tick` every few seconds; a tick
runs, one after the other and in this process, every sweep whose period has
begun since it last ran (all of them at the first tick). Each sweep opens its
own units of work, exactly as under rq, inside an application context.

Tests never start the thread (``TESTING``): they call ``tick()`` with the frozen
clock and move time themselves.

Two processes on one database (the reloader's parent and child, two
``flask run`` or gunicorn workers): the parent of the reloader never starts the
thread, and a process runs a tick only while it holds an exclusive lock on a
file named after the database URL, taken by the first and held while it lives:
one process sweeps, the others take over when it exits. Should two
ever overlap anyway, nothing is done twice: every sweep re-reads the state of
what it touches under row locks (a transfer already expired is skipped, a day
already reconciled is not reconciled again), as rq's retries already require.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import threading
from collections.abc import Callable
from typing import IO, Any

from flask import Flask

from app.clock import clock
from workers.schedule import SWEEPS

log = logging.getLogger(__name__)

TICK_SECONDS = 5.0
EXTENSION = "postcash.sweeps"


class InProcessSweeps:
    """Runs each registered sweep once per period of its own, in this process."""

    def __init__(
        self,
        app: Flask,
        now: Callable[[], float] | None = None,
        lock_path: str | None = None,
    ) -> None:
        self.app = app
        self._now = now or (lambda: clock.now().timestamp())
        self._last_bucket: dict[str, int] = {}
        self._lock_path = lock_path
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_handle: IO[Any] | None = None

    def due(self, now: float) -> list[str]:
        """The sweeps whose current period has not run yet, by name."""
        return [
            name
            for name, (_job, every) in sorted(SWEEPS.items())
            if self._last_bucket.get(name) != int(now // every)
        ]

    def tick(self, now: float | None = None) -> list[str]:
        """Run every due sweep once; the names run. A failing sweep stops no other."""
        from workers.outbox import resolve

        at = self._now() if now is None else now
        ran: list[str] = []
        for name in self.due(at):
            job_name, every = SWEEPS[name]
            self._last_bucket[name] = int(at // every)
            ran.append(name)
            try:
                with self.app.app_context():
                    resolve(job_name)()
            except Exception:  # logged; the next period runs it again
                log.exception("sweep %s failed; it runs again next period", name)
        return ran

    # The thread ------------------------------------------------------------------

    def start(self, interval: float = TICK_SECONDS) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._loop, args=(interval,), name="postcash-sweeps", daemon=True
        )
        self._thread.start()
        log.info("sweeps run in this process (no REDIS_URL): %s", ", ".join(sorted(SWEEPS)))

    def stop(self, timeout: float = 30.0) -> None:
        """Ask the thread to stop and wait for the sweep under way to finish."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _loop(self, interval: float) -> None:
        try:
            while not self._stop.is_set():
                try:
                    if self.acquire():
                        self.tick()
                except Exception:  # never let the thread die: next tick tries again
                    log.exception("in-process sweeps tick failed")
                if self._stop.wait(interval):
                    return
        finally:
            self.release()

    def acquire(self) -> bool:
        """True once this process holds the sweeps lock of its database, kept until stop.

        The first process to take it sweeps; the others try again every tick and
        take over should it exit.
        """
        if self._lock_path is None or self._lock_handle is not None:
            return True
        import fcntl

        handle: IO[Any] = open(self._lock_path, "a+")  # noqa: SIM115 (kept open while held)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        self._lock_handle = handle
        return True

    def release(self) -> None:
        handle, self._lock_handle = self._lock_handle, None
        if handle is not None:
            handle.close()  # closing the file releases the flock


def lock_path_for(database_url: str) -> str:
    """One lock file per database, in the temporary directory."""
    digest = hashlib.sha256(database_url.encode()).hexdigest()[:16]
    return os.path.join(tempfile.gettempdir(), f"postcash-sweeps-{digest}.lock")


def is_reloader_parent(debug: bool) -> bool:
    """True in the process of ``flask run`` that only watches files for the reloader.

    That process loads the application too, but serves nothing: the child it
    starts (``WERKZEUG_RUN_MAIN=true``) is the one that runs the sweeps.
    """
    import click

    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    reload = ctx.params.get("reload")
    if reload is None:
        reload = debug
    return bool(reload) and os.environ.get("WERKZEUG_RUN_MAIN") != "true"


def serves_requests() -> bool:
    """False inside a ``flask`` command other than ``run`` (``flask seed``, ``flask shell``)."""
    import click

    ctx = click.get_current_context(silent=True)
    while ctx is not None and ctx.parent is not None and ctx.info_name != "run":
        ctx = ctx.parent
    if ctx is None:
        return True  # gunicorn, `python -c`, a WSGI server: no click command around
    return ctx.info_name == "run"


def start_in_process_sweeps(app: Flask, database_url: str, debug: bool) -> InProcessSweeps | None:
    """Start the sweeps thread if this process is the one serving; None otherwise."""
    if not serves_requests() or is_reloader_parent(debug):
        return None
    sweeps = InProcessSweeps(app, lock_path=lock_path_for(database_url))
    app.extensions[EXTENSION] = sweeps
    sweeps.start()
    import atexit

    atexit.register(sweeps.stop)
    return sweeps
