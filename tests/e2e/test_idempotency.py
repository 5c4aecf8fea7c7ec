"""Idempotency-Key, exactly as API.md's Conventions say, on a test-only resource."""

from __future__ import annotations

import functools
import json
import threading

import pytest
from flask import Blueprint, g, request
from flask_restx import Namespace, Resource
from sqlalchemy import func, select

from app.api import PostCashApi
from app.api.idempotency import IdempotencyRecord, idempotent, purge_expired
from app.db import transaction
from app.errors import InsufficientFunds, RateLimited, Unauthorized
from app.principal import Principal
from tests.concurrency import RACERS

PAYMENTS = "/idem-test/payments"


class Executions:
    """What the handler did, and a gate that can hold it mid-request."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.lock = threading.Lock()


def fake_require(view):
    """Stands in for ``app.auth.decorators.require``: the caller names itself."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        who = request.headers.get("X-Test-Principal")
        if not who:
            raise Unauthorized()
        g.principal = Principal(role="customer", id=who)
        return view(*args, **kwargs)

    return wrapper


@pytest.fixture
def executions():
    return Executions()


@pytest.fixture
def api(app, executions):
    blueprint = Blueprint("idem_test", __name__, url_prefix="/idem-test")
    test_api = PostCashApi(blueprint, doc=False)
    ns = Namespace("payments")

    @ns.route("")
    class Payments(Resource):
        @fake_require
        @idempotent
        def post(self):
            body = request.get_json()
            executions.started.set()
            assert executions.release.wait(timeout=30)
            with executions.lock:
                executions.bodies.append(body)
                number = len(executions.bodies)
            if body.get("fail") == "funds":
                raise InsufficientFunds("Balance too low.")
            if body.get("fail") == "bug":
                raise RuntimeError("a bug")
            if body.get("fail") == "busy":
                raise RateLimited("Slow down.")
            return {"id": number, "amount": body["amount"]}, 201

    @ns.route("/<int:payment_id>/confirm")
    class Confirm(Resource):
        @fake_require
        @idempotent(optional=True)
        def post(self, payment_id):
            executions.bodies.append({"confirm": payment_id})
            return {"id": payment_id, "confirmations": len(executions.bodies)}

    test_api.add_namespace(ns)
    app.register_blueprint(blueprint)
    return test_api


@pytest.fixture
def post(app, api):
    def _post(body, key="key-1", who="alice", path=PAYMENTS):
        client = app.test_client()  # one per call: requests may run in parallel threads
        headers = {"X-Test-Principal": who}
        if key is not None:
            headers["Idempotency-Key"] = key
        return client.post(
            path, data=json.dumps(body), headers=headers, content_type="application/json"
        )

    return _post


def test_a_money_request_without_a_key_is_refused(post, executions):
    response = post({"amount": 5000}, key=None)
    assert response.status_code == 400
    assert response.json["code"] == "idempotency_key_missing"
    assert executions.bodies == []


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_an_empty_or_overlong_key_is_a_validation_error(post, executions, key):
    response = post({"amount": 5000}, key=key)
    assert response.status_code == 400
    assert response.json["code"] == "validation_error"
    assert "Idempotency-Key" in response.json["errors"]
    assert executions.bodies == []


def test_a_key_of_255_characters_is_accepted(post):
    assert post({"amount": 5000}, key="k" * 255).status_code == 201


def test_the_first_request_runs_and_is_not_marked_replayed(post, executions):
    response = post({"amount": 5000})
    assert response.status_code == 201
    assert response.json == {"id": 1, "amount": 5000}
    assert "Idempotent-Replayed" not in response.headers


def test_a_retry_gets_the_first_answer_again_without_running_twice(post, executions):
    first = post({"amount": 5000})
    again = post({"amount": 5000})
    assert again.status_code == first.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert len(executions.bodies) == 1


def test_the_order_of_fields_in_the_body_does_not_matter(client, api, executions):
    headers = {"X-Test-Principal": "alice", "Idempotency-Key": "k"}
    client.post(
        PAYMENTS,
        data='{"amount": 5000, "note": "a"}',
        headers=headers,
        content_type="application/json",
    )
    again = client.post(
        PAYMENTS,
        data='{"note":"a","amount":5000}',
        headers=headers,
        content_type="application/json",
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(executions.bodies) == 1


def test_the_same_key_with_another_body_is_refused(post, executions):
    post({"amount": 5000})
    response = post({"amount": 9000})
    assert response.status_code == 422
    assert response.json["code"] == "idempotency_key_reused"
    assert len(executions.bodies) == 1


def test_keys_belong_to_their_principal(post, executions):
    post({"amount": 5000}, who="alice")
    response = post({"amount": 5000}, who="bob")
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert len(executions.bodies) == 2


def test_a_refusal_is_replayed_as_it_was(post, executions):
    first = post({"amount": 5000, "fail": "funds"})
    again = post({"amount": 5000, "fail": "funds"})
    assert first.status_code == again.status_code == 422
    assert again.json == first.json
    assert again.json["code"] == "insufficient_funds"
    assert again.headers["Content-Type"] == "application/problem+json"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(executions.bodies) == 1


def test_after_a_server_error_the_same_key_may_be_retried(post, executions):
    assert post({"amount": 5000, "fail": "bug"}).status_code == 500
    assert post({"amount": 5000, "fail": "bug"}).status_code == 500
    assert len(executions.bodies) == 2


def test_after_a_rate_limit_the_same_key_may_be_retried(post, executions):
    assert post({"amount": 5000, "fail": "busy"}).status_code == 429
    assert post({"amount": 5000, "fail": "busy"}).status_code == 429
    assert len(executions.bodies) == 2


def test_a_request_still_running_answers_409_to_its_twin(app, post, executions):
    executions.release.clear()
    answers = {}

    def first():
        with app.app_context():
            answers["first"] = post({"amount": 5000})

    thread = threading.Thread(target=first)
    thread.start()
    assert executions.started.wait(timeout=30)
    twin = post({"amount": 5000})
    executions.release.set()
    thread.join(timeout=30)

    assert twin.status_code == 409
    assert twin.json["code"] == "request_in_progress"
    assert answers["first"].status_code == 201
    later = post({"amount": 5000})
    assert later.headers["Idempotent-Replayed"] == "true"
    assert len(executions.bodies) == 1


def test_a_key_is_remembered_for_24_hours(post, executions, clock):
    post({"amount": 5000})
    clock.advance(hours=23, minutes=59)
    assert post({"amount": 5000}).headers["Idempotent-Replayed"] == "true"
    clock.advance(minutes=2)
    assert "Idempotent-Replayed" not in post({"amount": 5000}).headers
    assert len(executions.bodies) == 2


def test_expired_keys_are_purged(post, runtime, clock):
    post({"amount": 5000}, key="old")
    clock.advance(hours=12)
    post({"amount": 5000}, key="recent")
    clock.advance(hours=12, seconds=1)
    with transaction() as session:
        assert purge_expired(session) == 1
    with runtime.unit_of_work() as uow:
        assert uow.session.scalars(select(IdempotencyRecord.key)).all() == ["recent"]


def test_an_optional_key_may_be_left_out(post, executions):
    path = f"{PAYMENTS}/7/confirm"
    assert post({}, key=None, path=path).status_code == 200
    assert post({}, key=None, path=path).status_code == 200
    assert len(executions.bodies) == 2


def test_an_optional_key_is_honoured_when_sent(post, executions):
    path = f"{PAYMENTS}/7/confirm"
    first = post({}, key="confirm-7", path=path)
    again = post({}, key="confirm-7", path=path)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json == {"id": 7, "confirmations": 1}


def test_the_same_key_on_another_path_is_another_request(post):
    post({}, key="k", path=f"{PAYMENTS}/7/confirm")
    response = post({}, key="k", path=f"{PAYMENTS}/8/confirm")
    assert response.status_code == 422
    assert response.json["code"] == "idempotency_key_reused"


def test_swagger_documents_the_header(app, api):
    with app.test_request_context():
        params = api.__schema__["paths"]["/payments"]["post"]["parameters"]
        header = next(p for p in params if p["name"] == "Idempotency-Key")
    assert (header["in"], header["required"]) == ("header", True)


@pytest.mark.postgres_only
def test_racing_requests_with_one_key_execute_once(app, runtime, post, executions):
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []

    def attempt():
        with app.app_context():
            barrier.wait()
            response = post({"amount": 5000})
            statuses.append(response.status_code)

    threads = [threading.Thread(target=attempt) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(statuses) == RACERS
    assert len(executions.bodies) == 1
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    with runtime.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
    assert post({"amount": 5000}).headers["Idempotent-Replayed"] == "true"
