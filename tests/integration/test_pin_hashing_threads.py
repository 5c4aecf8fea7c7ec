"""PINs are hashed with production parameters by the web workers' threads at once (a
login renews an outdated hash), in processes gunicorn forked. That must never hang nor
fail: OpenSSL's argon2 computed over two lanes (its own threads) did both, in a forked
process hashing in eight threads, so the PINs' cost stays at one lane (docs/PINS.md)."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from app.config import Config
from app.customers.pins import pepper_ring

PIN = "2580"
THREADS = 8


def hash_in_threads_then_exit() -> None:
    """The forked child: eight threads hash at once; exit 0 only if all eight did."""
    ring = pepper_ring(Config(PIN_PEPPERS={"1": "p" * 40}, PIN_PEPPER_VERSION="1"))
    made: list[str] = []

    def make() -> None:
        stored = ring.hash(PIN)
        if ring.verify(stored, PIN):
            made.append(stored)

    threads = [threading.Thread(target=make, daemon=True) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    os._exit(0 if len(made) == THREADS else 3)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork, as gunicorn does")
def test_production_pin_hashes_made_in_many_threads_of_a_forked_worker_all_finish():
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        try:
            hash_in_threads_then_exit()
        finally:
            os._exit(4)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0, "a PIN hash failed in a thread"
            return
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)
    os.waitpid(child, 0)
    pytest.fail("a PIN hash never finished in a forked worker's threads")
