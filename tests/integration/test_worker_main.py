"""``python -m workers``: the worker serves its metrics when a port is configured."""

import uuid

import pytest

import workers.__main__ as worker_main
from tests.conftest import need_env


@pytest.fixture
def config_overrides():
    return {"REDIS_URL": need_env("TEST_REDIS_URL")}


@pytest.fixture
def started(app, runtime, monkeypatch):
    runtime.queue.use_namespace(f"test-{uuid.uuid4().hex[:12]}-")
    monkeypatch.setattr(worker_main, "create_app", lambda: app)
    calls = []
    monkeypatch.setattr("app.ops.metrics.start_exporter", lambda rt, port: calls.append((rt, port)))
    yield calls
    for rq_queue in runtime.queue.rq_queues():
        rq_queue.delete(delete_jobs=True)


@pytest.mark.redis
def test_a_configured_metrics_port_starts_the_exporter(runtime, started):
    assert worker_main.main(["--burst", "--metrics-port", "9187"]) == 0
    assert started == [(runtime, 9187)]


@pytest.mark.redis
def test_the_port_may_come_from_the_environment(runtime, started, monkeypatch):
    monkeypatch.setenv("METRICS_PORT", "9188")
    assert worker_main.main(["--burst"]) == 0
    assert started == [(runtime, 9188)]


@pytest.mark.redis
def test_without_a_port_no_exporter_starts(started, monkeypatch):
    monkeypatch.delenv("METRICS_PORT", raising=False)
    assert worker_main.main(["--burst"]) == 0
    assert started == []


@pytest.mark.redis
def test_the_worker_blocks_on_its_own_connection_without_the_short_timeout(
    runtime, started, monkeypatch
):
    """A BLPOP on a socket with the application's 5 s timeout makes an idle worker quit."""
    import rq

    made = []

    class Recorded(rq.SimpleWorker):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(rq, "SimpleWorker", Recorded)
    assert worker_main.main(["--burst"]) == 0
    (worker,) = made
    app_pool = runtime.queue.rq_queue().connection.connection_pool
    assert worker.connection.connection_pool is not app_pool
    assert worker.connection.connection_pool.connection_kwargs["socket_timeout"] > (
        worker.dequeue_timeout
    )
    assert worker.maintenance_interval == 60
