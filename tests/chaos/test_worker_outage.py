"""``python -m workers`` waits for Redis instead of exiting (a Redis of this test's own).

The worker's main loop is started while its Redis is down: it waits with
backoff, never returns, and once Redis answers it drains what the outbox
holds and sends it. The sweeps thread, for its part, drains as soon as it gets
through again after failing.
"""

from __future__ import annotations

import threading

import pytest

import workers.__main__ as worker_main
from app.db import transaction
from app.notify import send_sms
from app.notify.gateways import recording_outbox
from tests.chaos.harness import RedisServer, tools_available
from tests.conftest import IN_CI
from workers.schedule import run_sweeps

pytestmark = pytest.mark.chaos

TO = "+242061234567"


@pytest.fixture
def own_redis():
    if tools_available():
        if IN_CI:
            pytest.fail(f"chaos tools missing: {tools_available()}")
        pytest.skip(f"chaos tools missing: {tools_available()}")
    server = RedisServer()  # its port is chosen, nothing listens on it yet
    yield server
    server.destroy()


@pytest.fixture
def config_overrides(own_redis):
    return {"REDIS_URL": own_redis.url}


def an_otp():
    with transaction() as session:
        send_sms(
            session,
            to=TO,
            template="sms.otp.withdrawal",
            language="fr",
            params={"amount": "5 000 FCFA", "minutes": 15},
            secret="482913",
            purpose="otp",
        )


def test_the_worker_started_while_redis_is_down_waits_then_sends(
    app, runtime, own_redis, monkeypatch
):
    an_otp()  # committed while Redis is down: it waits in the outbox
    waits = []

    def wait(seconds):
        waits.append(seconds)
        if len(waits) == 3:
            own_redis.start()

    monkeypatch.setattr(worker_main, "create_app", lambda: app)
    monkeypatch.setattr(worker_main, "sleep", wait)

    assert worker_main.main(["--burst"]) == 0

    assert waits == [0.5, 1.0, 2.0]  # backoff, growing
    ((to, text),) = recording_outbox(runtime)
    assert to == TO
    assert "482913" in text


def test_the_reconnect_delay_grows_to_a_ceiling_and_stays_there():
    delays = [worker_main.reconnect_delay(n) for n in range(8)]
    assert delays == sorted(delays)
    assert delays[-1] == delays[-2] == worker_main.RECONNECT_DELAYS[-1]


def test_the_sweeps_thread_drains_as_soon_as_redis_answers_again():
    calls = []
    stop = threading.Event()

    class FlakyQueue:
        name = "sweeps"

        def enqueue(self, *args, **kwargs):
            calls.append("enqueue")
            if calls.count("enqueue") <= 2:
                raise ConnectionError("redis is down")
            if calls.count("enqueue") >= 4:
                stop.set()

    run_sweeps(
        FlakyQueue(), stop, 0.001, lambda: 7_200.0, on_recovery=lambda: calls.append("drain")
    )

    assert calls.count("drain") == 1
    assert calls.index("drain") > calls.index("enqueue") + 1  # after the failures, once


def test_a_stop_asked_while_waiting_for_redis_ends_the_worker_cleanly(app, monkeypatch):
    import os
    import signal

    def wait(seconds):
        os.kill(os.getpid(), signal.SIGTERM)  # systemd stops the unit during the outage

    monkeypatch.setattr(worker_main, "create_app", lambda: app)
    monkeypatch.setattr(worker_main, "sleep", wait)
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    try:
        assert worker_main.main(["--burst"]) == 0
    finally:
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
