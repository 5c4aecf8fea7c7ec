"""Text UTF-8 cannot hold and paths with an empty segment: a clear 4xx, never a 5xx.

A lone surrogate (JSON may write ``"\\ud800"``; UTF-8 cannot encode it, so neither a
database, a log line nor the idempotency fingerprint can take it) is refused once,
for every endpoint, as a ``validation_error`` naming the field; a path with ``//``
names nothing (problem+json 404, no redirect). The SMS and USSD gateways' form
fields are cleaned instead: the customer must still get an answer.
"""

from __future__ import annotations

import json
import re

import pytest

from app.api.problem import problem_response
from app.db import transaction
from app.sms.inbound.inbox import clean_field
from app.ussd.protocol import UssdRequest
from tests import factories
from tests.e2e.payments_support import wallet_of
from tests.openapi_support import API, credentials, operations
from tests.problems import problem

SURROGATE_MESSAGE = "Must be valid Unicode text: no lone surrogate (\\ud800-\\udfff)."


@pytest.fixture
def awa(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, balance=50_000)


@pytest.fixture
def bob(runtime):
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bob")


def post_raw(client, app, who, path, raw, key=None, content_type="application/json"):
    headers = factories.headers_for(app, who)
    headers["Idempotency-Key"] = key or factories.key()
    return client.post(f"{API}{path}", data=raw, headers=headers, content_type=content_type)


# -- lone surrogates in JSON bodies -----------------------------------------------------


def test_every_idempotent_post_refuses_a_lone_surrogate_naming_the_field(client, app):
    signed_in = credentials(app)
    idempotent = [op for op in operations(client) if op.idempotent]
    assert len(idempotent) >= 20, "the OpenAPI document lost its idempotent operations"

    answers = {}
    for operation in idempotent:
        headers = {**signed_in[operation.role], "Idempotency-Key": factories.key()}
        response = client.open(
            operation.path(),
            method=operation.method,
            data='{"note": "\\ud800", "amount": 1000}',
            headers=headers,
            content_type="application/json",
        )
        answers[operation.label] = (response.status_code, response.get_json())

    for label, (status, body) in answers.items():
        assert status == 400, (label, status, body)
        assert body["code"] == "validation_error", label
        assert body["errors"] == {"note": [SURROGATE_MESSAGE]}, label


def test_a_lone_surrogate_in_a_transfer_note_is_refused_and_the_key_stays_free(
    client, app, runtime, awa, bob
):
    key = factories.key()
    raw = json.dumps({"type": "p2p", "to": bob.msisdn, "amount": 1_000, "note": "\ud800"})

    response = post_raw(client, app, awa, "/transfers", raw, key=key)

    assert problem(response, 400, "validation_error")["errors"] == {"note": [SURROGATE_MESSAGE]}
    assert wallet_of(runtime, awa) == 50_000
    fixed = json.dumps({"type": "p2p", "to": bob.msisdn, "amount": 1_000, "note": "loyer"})
    assert post_raw(client, app, awa, "/transfers", fixed, key=key).status_code == 201


def test_a_surrogate_written_as_raw_utf8_bytes_is_refused_too(client, app, awa, bob):
    raw = b'{"type": "p2p", "to": "%s", "amount": 1000, "note": "a\xed\xa0\x80"}' % (
        bob.msisdn.encode()
    )

    response = post_raw(client, app, awa, "/transfers", raw)

    assert "note" in problem(response, 400, "validation_error")["errors"]


def test_a_surrogate_in_a_body_written_in_utf_16_is_refused(client, app, awa, bob):
    text = json.dumps({"type": "p2p", "to": bob.msisdn, "amount": 1_000, "note": "\ud83d"})

    response = post_raw(client, app, awa, "/transfers", text.encode("utf-16"))

    assert "note" in problem(response, 400, "validation_error")["errors"]


def test_a_surrogate_in_a_nested_field_names_its_path(client, app, runtime):
    with transaction(runtime) as session:
        counter = factories.agent(session, float_balance=100_000)
    raw = (
        '{"sender": {"name": "Awa \\udfff", "msisdn": "061234567"},'
        ' "recipient": {"name": "Bob", "msisdn": "069876543"}, "amount": 5000}'
    )

    response = post_raw(client, app, counter, "/agent/remittances", raw)

    body = problem(response, 400, "validation_error")
    assert body["errors"] == {"sender": {"name": [SURROGATE_MESSAGE]}}


def test_a_surrogate_in_a_field_name_is_named_by_its_escape(client, app, awa, bob):
    raw = json.dumps({"type": "p2p", "to": bob.msisdn, "amount": 1_000, "x\ud800": 1})

    response = post_raw(client, app, awa, "/transfers", raw)

    body = problem(response, 400, "validation_error")
    assert list(body["errors"]) == ["x\\ud800"]


def test_a_body_that_is_only_a_lone_surrogate_is_refused_as_the_body(client, app, awa):
    response = post_raw(client, app, awa, "/transfers", '"\\ud800"')

    assert problem(response, 400, "validation_error")["errors"] == {"_body": [SURROGATE_MESSAGE]}


def test_a_surrogate_on_a_post_without_an_idempotency_key_is_refused(client, app, awa):
    response = client.post(
        f"{API}/me/pin",
        data='{"current_pin": "\\ud800", "new_pin": "1234"}',
        headers=factories.headers_for(app, awa),
        content_type="application/json",
    )

    assert "current_pin" in problem(response, 400, "validation_error")["errors"]


def test_a_surrogate_in_a_sign_in_number_is_refused(client):
    response = client.post(
        f"{API}/auth/login",
        data='{"msisdn": "06\\udc00", "pin": "1234"}',
        content_type="application/json",
    )

    assert "msisdn" in problem(response, 400, "validation_error")["errors"]


def test_a_surrogate_pair_is_ordinary_text(client, app, runtime, awa, bob):
    raw = json.dumps({"type": "p2p", "to": bob.msisdn, "amount": 1_000, "note": "loyer 🏠"})

    response = post_raw(client, app, awa, "/transfers", raw)

    assert response.status_code == 201, response.get_json()


# -- query strings, path ids and headers ------------------------------------------------


def test_a_query_string_that_is_not_utf8_is_a_validation_error(client, app, awa):
    response = client.get(
        f"{API}/me/transactions",
        headers=factories.headers_for(app, awa),
        environ_overrides={"QUERY_STRING": "cursor=\xed\xa0\x80"},
    )

    assert "_query" in problem(response, 400, "validation_error")["errors"]


def test_a_percent_encoded_surrogate_in_a_query_parameter_is_a_validation_error(client, app, awa):
    response = client.get(
        f"{API}/me/transactions?cursor=%ED%A0%80", headers=factories.headers_for(app, awa)
    )

    assert "cursor" in problem(response, 400, "validation_error")["errors"]


def test_a_percent_encoded_surrogate_in_a_path_id_is_not_found(client, app, awa):
    response = client.get(f"{API}/transfers/%ED%A0%80", headers=factories.headers_for(app, awa))

    problem(response, 404, "not_found")


def test_an_idempotency_key_of_raw_surrogate_bytes_is_a_validation_error(client, app, awa, bob):
    headers = factories.headers_for(app, awa)
    headers["Idempotency-Key"] = "\xed\xa0\x80"  # the bytes ED A0 80 as a server passes them

    response = client.post(
        f"{API}/transfers",
        json={"type": "p2p", "to": bob.msisdn, "amount": 1_000},
        headers=headers,
    )

    assert "Idempotency-Key" in problem(response, 400, "validation_error")["errors"]


# -- the gateways' form fields are cleaned, not refused ---------------------------------


def test_a_ussd_field_with_a_lone_surrogate_loses_it():
    request = UssdRequest.from_form({"sessionId": "s\ud800-1", "phoneNumber": "+242061234567"})

    assert request.session_id == "s-1"


def test_an_sms_field_with_a_lone_surrogate_loses_it():
    assert clean_field("SOLDE\udc80") == "SOLDE"


def test_a_ussd_request_with_surrogate_bytes_still_gets_a_screen(client, runtime):
    response = client.post(
        "/ussd",
        data=b"sessionId=s-1&serviceCode=*555%23&phoneNumber=%2B242061234567&text=%ED%A0%80",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert re.match(r"^(CON|END) ", response.get_data(as_text=True))


# -- double slashes ---------------------------------------------------------------------


def test_cancelling_with_an_empty_transfer_id_is_a_problem_404_not_a_redirect(client, app, awa):
    headers = {**factories.headers_for(app, awa), "Idempotency-Key": factories.key()}

    response = client.post(f"{API}/transfers//cancel", json={}, headers=headers)

    problem(response, 404, "not_found")
    assert "Location" not in response.headers


def doubled(rule: str) -> list[str]:
    """``rule`` with each parameter set to ``x``, once with each slash doubled and
    once with each parameter empty (``/transfers//cancel``)."""
    parameter = re.compile(r"<[^>]+>")
    filled = parameter.sub("x", rule)
    paths = [filled[:i] + "/" + filled[i:] for i, c in enumerate(filled) if c == "/"]
    for match in parameter.finditer(rule):
        emptied = rule[: match.start()] + rule[match.end() :]
        paths.append(parameter.sub("x", emptied))
    return [p for p in paths if "//" in p]


def test_every_route_with_a_double_slash_is_a_problem_404(client, app, awa):
    signed_in = factories.headers_for(app, awa)  # the router answers, not the auth check
    answers = {}
    for rule in app.url_map.iter_rules():  # the API, the gateways, /health, /metrics…
        for path in doubled(rule.rule):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                # PATH_INFO as a server passes it: given as a URL, "//metrics" would be
                # read by the test client as the host "metrics" and the path "".
                response = client.open(
                    "/", method=method, headers=signed_in, environ_overrides={"PATH_INFO": path}
                )
                answers[f"{method} {path}"] = (response.status_code, response.mimetype)

    assert len(answers) > 200
    # A path with an empty segment names nothing: a 404, as a problem (the API, the
    # gateways) or as the web page of the area whose pages it resembles (HTML). Under
    # /counter, where a page's rule may match first (a sign-in redirect, a CSRF
    # refusal), anything but a 5xx.
    web = ("text/html", "application/problem+json")
    pages = {k: v for k, v in answers.items() if k.split(" ")[1].startswith("/counter/")}
    wrong = {
        k: v for k, v in answers.items() if k not in pages and (v[0] != 404 or v[1] not in web)
    }
    assert not wrong
    api = {k: v for k, v in answers.items() if "/api/v1/" in k}
    assert api and all(v == (404, "application/problem+json") for v in api.values())
    assert pages and all(code < 500 and kind in web for code, kind in pages.values())


def test_the_api_error_router_survives_a_url_that_redirects_under_another_method():
    """Where slashes are merged (werkzeug's default), POST /things//cancel is a 405
    and flask-restx re-matches it as a GET, which redirects: a problem, not a crash."""
    from flask import Blueprint, Flask
    from flask_restx import Resource

    from app.api import PostCashApi

    app = Flask("merging")
    blueprint = Blueprint("api", "merging", url_prefix="/api")
    api = PostCashApi(blueprint, doc=False)

    @api.route("/things/<thing_id>")
    class Thing(Resource):
        def get(self, thing_id):
            return {"id": thing_id}

    @api.route("/things/<thing_id>/cancel")
    class Cancel(Resource):
        def post(self, thing_id):
            return {"id": thing_id}

    app.register_blueprint(blueprint)
    app.errorhandler(Exception)(problem_response)

    response = app.test_client().post("/api/things//cancel")

    assert response.status_code == 405
    assert response.mimetype == "application/problem+json"
