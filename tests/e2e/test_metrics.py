"""GET /metrics: Prometheus text exposition of requests, money flows, jobs and queues."""

from __future__ import annotations

import socket
import uuid

import pytest
import requests
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from app import create_app
from app.db.jobs import enqueue
from app.db.queue import PRIORITY
from app.ops.metrics import JOB_FAILURES, OTP_FAILURES, SMS, TRANSFERS, start_exporter
from tests.conftest import make_config, need_env


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    response = client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for s in family.samples
    }


def free_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_metrics_are_served_as_prometheus_text(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain; version=")
    assert "# TYPE postcash_http_requests_total counter" in response.get_data(as_text=True)


def test_requests_are_counted_by_method_route_and_status(client):
    before = sample("postcash_http_requests_total", method="GET", route="/health", status="200")
    client.get("/health")
    client.get("/health")
    after = sample("postcash_http_requests_total", method="GET", route="/health", status="200")
    assert after - before == 2


def test_latency_is_observed_per_route(client):
    before = sample("postcash_http_request_duration_seconds_count", method="GET", route="/health")
    client.get("/health")
    after = sample("postcash_http_request_duration_seconds_count", method="GET", route="/health")
    assert after - before == 1


def test_routes_are_labelled_by_template_not_by_path(app, client):
    app.add_url_rule("/things/<thing_id>", "thing", lambda thing_id: {"id": thing_id})
    client.get("/things/a1")
    client.get("/things/b2")
    assert (
        sample(
            "postcash_http_requests_total", method="GET", route="/things/<thing_id>", status="200"
        )
        >= 2
    )
    assert (
        sample("postcash_http_requests_total", method="GET", route="/things/a1", status="200") == 0
    )


def test_unknown_paths_share_one_label_and_never_reach_the_exposition(client):
    before = sample("postcash_http_requests_total", method="GET", route="<unmatched>", status="404")
    client.get("/wp-admin/+242061234567?pin=1234")
    after = sample("postcash_http_requests_total", method="GET", route="<unmatched>", status="404")
    assert after - before == 1
    text = client.get("/metrics").get_data(as_text=True)
    assert "061234567" not in text and "wp-admin" not in text


def test_money_flows_otp_sms_and_job_counters_are_exposed(client):
    TRANSFERS.labels(type="p2p", outcome="completed").inc()
    OTP_FAILURES.labels(purpose="p2p").inc()
    SMS.labels(status="sent").inc()
    JOB_FAILURES.labels(job="workers.sms.send_message").inc()
    metrics = scraped(client)
    assert metrics[("postcash_transfers_total", (("outcome", "completed"), ("type", "p2p")))] >= 1
    assert metrics[("postcash_otp_failures_total", (("purpose", "p2p"),))] >= 1
    assert metrics[("postcash_sms_total", (("status", "sent"),))] >= 1
    assert metrics[("postcash_job_failures_total", (("job", "workers.sms.send_message"),))] >= 1


def test_a_job_that_raises_is_counted_by_name(runtime, monkeypatch):
    def broken_job() -> None:
        raise RuntimeError("gateway exploded")

    monkeypatch.setattr("workers.outbox.resolve", lambda name: broken_job)
    before = sample("postcash_job_failures_total", job="workers.test.broken")
    with runtime.unit_of_work() as uow:
        enqueue(uow.session, "workers.test.broken")
        uow.commit()  # runs in-process after commit, fails, is recorded as failed
    assert sample("postcash_job_failures_total", job="workers.test.broken") - before == 1


def test_jobs_waiting_in_the_outbox_while_redis_is_down_show_in_the_queue_depth(db_url):
    app = create_app(make_config(db_url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/0"))
    runtime = app.extensions["postcash"]
    try:
        with app.app_context(), runtime.unit_of_work() as uow:
            enqueue(uow.session, "workers.outbox.drain")
            enqueue(uow.session, "workers.outbox.drain")
            uow.commit()  # dispatch fails: Redis is down, the rows wait for the drainer
        metrics = scraped(app.test_client())
    finally:
        runtime.database.dispose()
    assert metrics[("postcash_queue_depth", (("queue", "outbox"),))] == 2
    assert not any(
        name == "postcash_queue_depth" and dict(labels)["queue"].startswith("rq:")
        for name, labels in metrics
    )


@pytest.mark.redis
def test_jobs_waiting_in_rq_show_in_the_queue_depth(db_url):
    app = create_app(make_config(db_url, REDIS_URL=need_env("TEST_REDIS_URL")))
    runtime = app.extensions["postcash"]
    runtime.queue.use_namespace(f"test-depth-{uuid.uuid4().hex[:8]}-")
    try:
        with app.app_context(), runtime.unit_of_work() as uow:
            enqueue(uow.session, "workers.outbox.drain")
            uow.commit()  # handed to rq; no worker runs in this test
        metrics = scraped(app.test_client())
    finally:
        runtime.queue.rq_queue().empty()
        runtime.queue.rq_queue().delete(delete_jobs=True)
        runtime.database.dispose()
    depth = {
        q: metrics[("postcash_queue_depth", (("queue", f"rq:{runtime.queue.name_of(q)}"),))]
        for q in PRIORITY
    }
    assert depth == {"sweeps": 0, "urgent": 0, "default": 1, "bulk": 0}
    assert metrics[("postcash_queue_depth", (("queue", "outbox"),))] == 1


def test_a_worker_process_serves_its_own_metrics_on_a_port(runtime):
    JOB_FAILURES.labels(job="workers.sms.send_message").inc()
    port = free_port()
    server = start_exporter(runtime, port, addr="127.0.0.1")
    try:
        text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    finally:
        server.shutdown()
        server.server_close()
    assert 'postcash_job_failures_total{job="workers.sms.send_message"}' in text
    assert 'postcash_queue_depth{queue="outbox"} 0.0' in text
