"""On-call hears of a broken reconciliation: a JSON POST to ``ONCALL_WEBHOOK_URL``.

The receiver is a real HTTP server on 127.0.0.1; it answers what the test
scripts (200 by default) and keeps every request.
"""

import json
import threading
import uuid
from collections import deque
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from app.db import jobs, transaction
from app.db.jobs import OutboxJob
from app.reconciliation import get_run, reconcile
from tests.conftest import need_env
from tests.integration.test_jobs_rq import forget_queue, release_scheduled, work
from workers.reconciliation import notify_oncall

YESTERDAY = date(2026, 11, 27)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: deque[int] = deque()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.requests.append(
                    {"body": json.loads(self.rfile.read(length)), "headers": dict(self.headers)}
                )
                status = receiver.statuses.popleft() if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/oncall"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture
def config_overrides(receiver):
    return {"ONCALL_WEBHOOK_URL": receiver.url}


def break_something(runtime):
    with transaction(runtime) as session:
        jobs.enqueue(session, "workers.no_such_module.run")  # fails for good after commit


def reconcile_yesterday_by_hand(runtime):
    with transaction(runtime) as session:
        return reconcile(session, YESTERDAY, trigger="command").id


def alert_state(runtime):
    with transaction(runtime) as session:
        row = get_run(session, YESTERDAY)
        return row.alert_status, row.alert_attempts, row.alert_error


def test_a_clean_run_alerts_nobody(runtime, receiver):
    reconcile_yesterday_by_hand(runtime)
    assert receiver.requests == []
    assert alert_state(runtime)[0] == "none"


def test_a_break_is_posted_to_on_call_once(runtime, receiver):
    break_something(runtime)
    row_id = reconcile_yesterday_by_hand(runtime)
    (request,) = receiver.requests
    assert request["headers"]["Content-Type"] == "application/json"
    body = request["body"]
    assert (body["event"], body["date"], body["version"], body["status"]) == (
        "reconciliation.breaks",
        "2026-11-27",
        1,
        "breaks",
    )
    assert [b["check"] for b in body["breaks"]] == ["outbox_jobs"]
    assert body["report"] == "/api/v1/admin/reconciliations/2026-11-27?version=1"
    assert alert_state(runtime) == ("sent", 1, None)
    assert notify_oncall(row_id) is False  # a delivered alert is not sent again
    assert len(receiver.requests) == 1


def test_each_broken_version_alerts(runtime, receiver):
    break_something(runtime)
    reconcile_yesterday_by_hand(runtime)
    reconcile_yesterday_by_hand(runtime)
    assert [r["body"]["version"] for r in receiver.requests] == [1, 2]


def test_an_unreachable_on_call_leaves_the_alert_pending_with_its_error(runtime, receiver):
    receiver.statuses.append(503)
    break_something(runtime)
    reconcile_yesterday_by_hand(runtime)
    assert alert_state(runtime) == ("pending", 1, "HTTPError")


@pytest.mark.redis
def test_rq_retries_the_alert_until_on_call_answers(runtime, receiver):
    runtime.queue.use_redis(need_env("TEST_REDIS_URL"))
    runtime.queue.use_namespace(f"test-{uuid.uuid4().hex[:12]}-")
    queue = runtime.queue.rq_queue()  # both jobs here go to default
    try:
        receiver.statuses.extend([500])
        with transaction(runtime) as session:
            reconcile(session, YESTERDAY, trigger="schedule")  # clean: nothing to say
            jobs.enqueue(session, "workers.no_such_module.run")
        work(queue)  # that job fails for good (its rq retries are released below)
        while release_scheduled(queue):
            work(queue)
        reconcile_yesterday_by_hand(runtime)
        work(queue)
        assert alert_state(runtime)[:2] == ("pending", 1)
        assert release_scheduled(queue) == 1
        work(queue)
    finally:
        forget_queue(queue)
    assert [r["body"]["version"] for r in receiver.requests] == [2, 2]
    assert alert_state(runtime) == ("sent", 2, None)
    with transaction(runtime) as session:
        names = session.scalars(select(OutboxJob.name).where(OutboxJob.status == "done")).all()
    assert "workers.reconciliation.notify_oncall" in names
