"""Logs: one JSON access line per request, a request id that follows into jobs,
phone numbers masked and no PIN, OTP, code or token ever written."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from app.db import transaction
from app.db.jobs import enqueue
from tests.logs import json_log_stream

log = logging.getLogger("tests.e2e.logging")

LogLines = Callable[[], list[dict]]


@pytest.fixture
def json_logs() -> Iterator[LogLines]:
    with json_log_stream(logging.INFO) as stream:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.fixture
def chatty_app(app: Flask, monkeypatch) -> Flask:  # type: ignore[no-untyped-def]
    """An endpoint that logs carelessly and enqueues a job that logs too."""

    def job(customer_id: str) -> None:
        log.info("job for customer %s", customer_id)

    monkeypatch.setattr("workers.outbox.resolve", lambda name: job)

    def careless() -> dict:
        log.info("login msisdn=+242061234567 pin=1234 otp: 482913 from 06 123 4567")
        log.warning("auth header Authorization: Bearer eyJhbGciOi.payload.sig")
        with transaction() as session:
            enqueue(session, "workers.test.job", customer_id="c-1")
        return {"ok": True}

    app.add_url_rule("/careless", "careless", careless, methods=["POST"])
    return app


def test_every_request_writes_one_access_line_with_its_request_id(client, json_logs):
    response = client.get("/health?token=abc123", headers={"X-Request-ID": "req-42"})
    access = [line for line in json_logs() if line["logger"] == "app.access"]
    assert len(access) == 1
    line = access[0]
    assert line["request_id"] == "req-42" == response.headers["X-Request-ID"]
    assert (line["method"], line["route"], line["status"]) == ("GET", "/health", 200)
    assert isinstance(line["duration_ms"], float)
    assert "abc123" not in json.dumps(line)


def test_a_request_without_an_id_gets_one_that_is_logged_and_returned(client, json_logs):
    response = client.get("/health")
    (access,) = [line for line in json_logs() if line["logger"] == "app.access"]
    assert access["request_id"] == response.headers["X-Request-ID"] != ""


def test_phone_numbers_are_masked_and_secrets_never_written(chatty_app, json_logs):
    chatty_app.test_client().post("/careless")
    text = "\n".join(json.dumps(line, ensure_ascii=False) for line in json_logs())
    for secret in ("061234567", "06 123 4567", "1234 ", "482913", "eyJhbGciOi"):
        assert secret not in text
    assert "+24206*****67" in text


def test_the_request_id_follows_the_request_into_the_jobs_it_enqueues(chatty_app, json_logs):
    chatty_app.test_client().post("/careless", headers={"X-Request-ID": "req-follow-me"})
    (job_line,) = [line for line in json_logs() if line["msg"] == "job for customer c-1"]
    assert job_line["request_id"] == "req-follow-me"
