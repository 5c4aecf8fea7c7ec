"""The published contract: ``swagger.json`` (Swagger 2.0) and ``openapi.json`` (OpenAPI 3.1)
are valid documents, and every operation the application routes is documented in full:
its body, its success answer with a schema, its problem+json errors with their codes,
its security and a unique operationId that reads as a verb."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from app.api.openapi import VERBS, verb
from app.db import transaction
from tests import factories
from tests.openapi_support import API

METHODS = ("get", "post", "put", "patch", "delete")
# POSTs that take no input but the path: asking for a code, cancelling, signing out...
NO_BODY = {
    "cancelRemittance",
    "cancelTransfer",
    "logout",
    "unlockCustomer",
    "requestPaymentRequestCode",
    "requestTransferCode",
    "declinePaymentRequest",
    "retryCallback",
    "approveBatch",
    "acceptLikelembaInvitation",
    "declineLikelembaInvitation",
    "leaveLikelembaGroup",
    "recordPrintBatchPrinted",
}
PUBLIC = {
    "registerCustomer",
    "verifyCustomer",
    "loginCustomer",
    "loginStaff",
    "getFees",
    "listBillers",
    "getTracking",
    "listSavingsProducts",
}


def document(client: Any, name: str) -> dict[str, Any]:
    response = client.get(f"{API}/{name}")
    assert response.status_code == 200
    return response.get_json()


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


@pytest.mark.parametrize("name", ["swagger.json", "openapi.json"])
def test_the_document_is_valid(client, name: str) -> None:
    spec = document(client, name)
    try:
        validate(spec)
    except OpenAPIValidationError as error:  # pragma: no cover - the failure says why
        pytest.fail(f"{name} is invalid: {error}")


def test_swagger_is_2_0_and_openapi_is_3_1(client) -> None:
    assert document(client, "swagger.json")["swagger"] == "2.0"
    assert document(client, "openapi.json")["openapi"] == "3.1.0"


def test_no_flask_restx_leftovers(client) -> None:
    for name in ("swagger.json", "openapi.json"):
        text = client.get(f"{API}/{name}").get_data(as_text=True)
        assert "ParseError" not in text and "MaskError" not in text


def test_every_routed_operation_is_in_both_documents(app, client) -> None:
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(API) or rule.endpoint.startswith("api.specs"):
            continue
        if rule.endpoint in ("api.doc", "api.root", "api.openapi_document"):
            continue
        if "restplus_doc" in rule.endpoint or rule.rule.startswith(f"{API}/swaggerui"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len(API) :])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routed.add((method.lower(), path))
    for name in ("swagger.json", "openapi.json"):
        spec = document(client, name)
        listed = {(method, path) for method, path, _ in operations(spec)}
        assert routed == listed, name


def test_every_operation_is_documented_in_full(client) -> None:
    spec = document(client, "openapi.json")
    found = operations(spec)
    ids = [op.get("operationId") for _, _, op in found]
    with_body = with_success = with_errors = 0
    missing: list[str] = []
    for method, path, op in found:
        label = f"{method.upper()} {path} ({op.get('operationId')})"
        operation_id = op.get("operationId", "")
        if verb(operation_id) not in VERBS:
            missing.append(f"{label}: operationId is not a verb")
        if method in ("post", "put", "patch") and operation_id not in NO_BODY:
            if "requestBody" in op:
                with_body += 1
            else:
                missing.append(f"{label}: no body")
        elif "requestBody" in op:
            with_body += 1
        successes = {s: r for s, r in op["responses"].items() if s.startswith("2")}
        documented = [
            status == "204" or any("schema" in m for m in response.get("content", {}).values())
            for status, response in successes.items()
        ]
        if documented and all(documented):
            with_success += 1
        else:
            missing.append(f"{label}: no success schema")
        errors = {s: r for s, r in op["responses"].items() if s[0] in "45"}
        problem = all(
            list(r.get("content", {})) == ["application/problem+json"]
            and r["content"]["application/problem+json"]["schema"]["allOf"][1]["properties"][
                "code"
            ]["enum"]
            for r in errors.values()
        )
        if errors and problem:
            with_errors += 1
        else:
            missing.append(f"{label}: errors are not all problem+json with codes")
        if operation_id not in PUBLIC and not op.get("security"):
            missing.append(f"{label}: no security requirement")
    print(  # noqa: T201 - the count is the report asked for (pytest -s shows it)
        f"\n{len(found)} operations: {with_body} document a body, "
        f"{with_success} a success schema, {with_errors} problem+json errors"
    )
    assert len(set(ids)) == len(ids), "operationIds are not unique"
    assert not missing, "\n".join(missing)


def test_idempotent_operations_document_the_headers(client) -> None:
    spec = document(client, "openapi.json")
    send = spec["paths"]["/transfers"]["post"]
    (key,) = [p for p in send["parameters"] if p["name"] == "Idempotency-Key"]
    assert key["in"] == "header" and key["required"] is True
    created = send["responses"]["201"]
    assert {"Idempotent-Replayed", "X-Request-ID"} <= set(created["headers"])
    assert "Retry-After" in send["responses"]["503"]["headers"]


def test_every_operation_takes_an_optional_request_id(client) -> None:
    """A client may send its own ``X-Request-ID`` (echoed in the answer) to every operation."""
    for name in ("swagger.json", "openapi.json"):
        for _method, path, op in operations(document(client, name)):
            (request_id,) = [p for p in op["parameters"] if p["name"] == "X-Request-ID"]
            assert (request_id["in"], request_id["required"]) == ("header", False), path


def test_integer_query_parameters_are_integers(client) -> None:
    for name in ("swagger.json", "openapi.json"):
        spec = document(client, name)
        for _method, path, op in operations(spec):
            for parameter in op.get("parameters", []):
                if parameter.get("in") == "query" and parameter["name"] in ("limit", "amount"):
                    kind = parameter.get("type") or parameter["schema"]["type"]
                    assert kind == "integer", f"{name} {path} {parameter['name']}"


def test_send_and_confirm_document_their_bodies_for_try_it_out(client) -> None:
    """Swagger UI builds "Try it out" from swagger.json: the body parameter and the key."""
    spec = document(client, "swagger.json")
    send = spec["paths"]["/transfers"]["post"]
    (body,) = [p for p in send["parameters"] if p["in"] == "body"]
    schema = spec["definitions"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert {"type", "to", "amount"} <= set(schema["required"])
    assert any(p["name"] == "Idempotency-Key" for p in send["parameters"])
    confirm = spec["paths"]["/transfers/{transfer_id}/confirm"]["post"]
    (body,) = [p for p in confirm["parameters"] if p["in"] == "body"]
    schema = spec["definitions"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["required"] == ["otp"]
    assert confirm["operationId"] == "confirmTransfer"


def test_a_problem_lists_the_codes_its_status_can_carry(client) -> None:
    spec = document(client, "openapi.json")
    confirm = spec["paths"]["/transfers/{transfer_id}/confirm"]["post"]
    unprocessable = confirm["responses"]["422"]["content"]["application/problem+json"]
    codes = unprocessable["schema"]["allOf"][1]["properties"]["code"]["enum"]
    assert {"invalid_otp", "otp_expired", "otp_attempts_exceeded"} <= set(codes)


def try_it_out(client: Any, spec: dict[str, Any], operation_id: str, **values: Any) -> Any:
    """Call the operation as Swagger UI's "Try it out" does: from swagger.json only, its
    path, its path and header parameters and its body's properties, filled from ``values``."""
    (path, method, op) = next(
        (path, method, op)
        for method, path, op in operations(spec)
        if op["operationId"] == operation_id
    )
    item = spec["paths"][path]
    headers, body = {}, {}
    for parameter in (*item.get("parameters", []), *op.get("parameters", [])):
        if parameter["in"] == "path":
            path = path.replace(f"{{{parameter['name']}}}", values[parameter["name"]])
        elif parameter["in"] == "header" and parameter["name"] in values:
            headers[parameter["name"]] = values[parameter["name"]]
        elif parameter["in"] == "body":
            schema = spec["definitions"][parameter["schema"]["$ref"].rsplit("/", 1)[1]]
            body = {name: values[name] for name in schema["properties"] if name in values}
            assert set(schema.get("required", [])) <= set(body)
    headers["Authorization"] = values["Authorization"]
    return client.open(spec["basePath"] + path, method=method.upper(), json=body, headers=headers)


@pytest.fixture
def bruno(runtime):  # type: ignore[no-untyped-def]
    with transaction(runtime) as session:
        return factories.customer(session, first_name="Bruno", last_name="Ngoma")


def test_try_it_out_sends_and_confirms_a_p2p_transfer(client, app, awa, bruno) -> None:
    spec = document(client, "swagger.json")
    signed_in = factories.headers_for(app, awa)
    sent = try_it_out(
        client,
        spec,
        "createTransfer",
        **signed_in,
        **{"Idempotency-Key": factories.key()},
        type="p2p",
        to=bruno.msisdn,
        amount=1_000,
    )
    assert sent.status_code == 201, sent.get_json()
    code = factories.sms_code(app, awa.msisdn, digits=6)
    confirmed = try_it_out(
        client, spec, "confirmTransfer", **signed_in, transfer_id=sent.get_json()["id"], otp=code
    )
    assert confirmed.status_code == 200, confirmed.get_json()
    assert confirmed.get_json()["status"] == "completed"
