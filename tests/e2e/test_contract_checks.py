"""The contract check of tests/contract.py refuses what openapi.json does not allow.

Each test takes a real answer of the application (through Flask's plain client, which
checks nothing) and hands the checker a doctored copy, as a regressed endpoint would.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests import contract
from tests.openapi_support import API

FEES = f"{API}/fees?type=p2p&amount=5000"


def answer(app: Flask, path: str) -> TestResponse:
    return FlaskClient(app).get(path)


def doctored(real: TestResponse, body: Any, status: int | None = None) -> TestResponse:
    text = body if isinstance(body, str) else json.dumps(body)
    return TestResponse(
        [text.encode()],
        str(status or real.status_code),
        real.headers,
        real.request,
    )


@pytest.fixture
def checker(app: Flask) -> contract.Contract:
    found = contract.contract_for(app)
    assert found is not None
    return found


def test_a_documented_answer_passes(app, checker) -> None:
    checker.check(app, answer(app, FEES))


def test_an_undeclared_member_in_a_success_body_is_refused(app, checker) -> None:
    real = answer(app, FEES)
    body = {**real.get_json(), "surprise": 1}
    with pytest.raises(contract.ContractBroken, match="surprise"):
        checker.check(app, doctored(real, body))


def test_a_member_of_the_wrong_type_is_refused(app, checker) -> None:
    real = answer(app, FEES)
    body = {**real.get_json(), "fee": "50"}
    with pytest.raises(contract.ContractBroken, match="fee"):
        checker.check(app, doctored(real, body))


def test_an_undocumented_status_is_refused(app, checker) -> None:
    real = answer(app, FEES)
    with pytest.raises(contract.ContractBroken, match="418"):
        checker.check(app, doctored(real, real.get_json(), status=418))


def test_a_problem_code_the_operation_does_not_document_is_refused(app, checker) -> None:
    real = answer(app, f"{API}/fees?type=nope&amount=1")
    assert real.status_code == 400
    body = {**real.get_json(), "code": "insufficient_funds"}
    with pytest.raises(contract.ContractBroken, match="insufficient_funds"):
        checker.check(app, doctored(real, body))


def test_a_problem_may_carry_extra_members(app, checker) -> None:
    real = answer(app, f"{API}/fees?type=nope&amount=1")
    checker.check(app, doctored(real, {**real.get_json(), "attempts_left": 2}))


def test_an_unrouted_path_may_only_answer_404_or_405(app, checker) -> None:
    real = answer(app, f"{API}/no-such-thing")
    assert real.status_code == 404
    checker.check(app, real)
    with pytest.raises(contract.ContractBroken, match="matches no route"):
        checker.check(app, doctored(real, {}, status=200))


def test_the_test_client_checks_every_answer(app) -> None:
    assert isinstance(app.test_client(), contract.ContractClient)
