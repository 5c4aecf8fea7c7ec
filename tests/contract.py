"""Contract tests for free: every answer a test receives from ``/api/v1`` is checked
against the application's own ``openapi.json``.

``tests/conftest.py`` makes :class:`ContractClient` the test client of every Flask
application the tests build, so a new endpoint is checked by its own tests without
anything to add. The rule, for each request sent under ``/api/v1``:

* The application's router says which route answered (its URL rule, not a guess
  from the path). ``HEAD`` and ``OPTIONS`` (answered by Flask for every route) and the
  spec documents themselves (Swagger UI, ``swagger.json``, ``openapi.json``) are not
  operations: they are skipped.
* A path no route matches (a 404 test), or a route asked with a method it does not
  have (405), has no operation to be checked against: its answer must be a 404 or a
  405 and is counted as unrouted. Any other routed request must be a documented
  operation: a route missing from ``openapi.json`` fails the test.
* For a documented operation, whatever the request was (well-formed, malformed JSON,
  wrong types, hostile text, missing credentials), the answer is checked: its status
  is documented for that operation, its media type is documented for that status
  (``application/json``, or ``application/problem+json`` for an error), its body
  matches the schema (an object may carry no member the schema does not declare,
  unless the schema says so, like a problem's extra members), so a problem's
  ``code`` is one of the values its operation documents for that status, and the
  documented headers (``Retry-After``, ``Idempotent-Replayed``...) have their type.

A test that exercises behaviour the contract deliberately leaves out opts out with
``@pytest.mark.undocumented_response("why")``; keep them rare.

The document is built and parsed once per session (the operations are the same in
every application the tests build). With ``CONTRACT_REPORT=path`` the session writes
what it checked there (JSON), so the runs of several chunks can be added up.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import Counter
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openapi_core import Config, OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.datatypes import RequestParameters
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.test import TestResponse

from app.api.openapi import OPENAPI_VERSION, PROBLEM_JSON

API = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")
# What Flask answers for every route, and the documents that describe the operations.
NOT_OPERATIONS = ("HEAD", "OPTIONS")
DOCUMENT_ENDPOINTS = ("api.specs", "api.doc", "api.root", "api.openapi_document")
MARKER = "undocumented_response"


class ContractBroken(AssertionError):
    """An answer the published contract does not allow."""


class _Request(WerkzeugOpenAPIRequest):
    """The request, with the operation the router chose (openapi-core then need not guess
    between ``/transfers/{transfer_id}`` and ``/transfers/quote``). Its parameters are
    not read: only the answer is checked, and a hostile query string (not UTF-8) must
    reach the application's own validation, not break the check."""

    def __init__(self, request: Any, path_pattern: str) -> None:
        self.request = request
        self.parameters = RequestParameters()
        self.path_pattern = path_pattern


class Contract:
    """``openapi.json`` parsed for openapi-core, and what was checked against it."""

    def __init__(self, document: dict[str, Any]) -> None:
        # An object member the schema does not declare is a mismatch (a schema that
        # allows more says so: a problem's extra members).
        config = Config(
            additional_properties_default_policy="forbid",
            extra_media_type_deserializers={
                PROBLEM_JSON: json.loads,
                "text/csv": _text,
                "text/plain": _text,
            },
        )
        self.validator = OpenAPI.from_dict(document, config=config).response_validator
        self.operations = {
            (method.upper(), path)
            for path, item in document["paths"].items()
            for method in item
            if method in METHODS
        }
        self.checked: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self._lock = threading.Lock()

    def check(self, app: Flask, response: TestResponse) -> None:
        request = response.request
        if not request.path.startswith(API + "/") or request.method in NOT_OPERATIONS:
            return
        try:
            rule, _arguments = app.url_map.bind("localhost").match(
                request.path, method=request.method, return_rule=True
            )
        except (NotFound, MethodNotAllowed):
            self._unrouted(request.method, request.path, response.status_code)
            return
        except Exception:  # a redirect (a slash to add): the router's answer, not an operation
            self._count(self.skipped, "redirect")
            return
        if rule.endpoint in DOCUMENT_ENDPOINTS or "swaggerui" in rule.rule:
            return
        template = _template(rule.rule)
        label = f"{request.method} {template}"
        if (request.method, template) not in self.operations:
            raise ContractBroken(
                f"{label} answered {response.status_code} but is not in openapi.json"
            )
        errors = list(
            self.validator.iter_errors(
                _Request(request, API + template), WerkzeugOpenAPIResponse(response)
            )
        )
        if errors:
            raise ContractBroken(_explain(label, response, errors))
        self._count(self.checked, f"{label} {response.status_code}")

    def _unrouted(self, method: str, path: str, status: int) -> None:
        if status not in (404, 405):
            raise ContractBroken(f"{method} {path} matches no route yet answered {status}")
        self._count(self.skipped, "unrouted")

    def _count(self, counter: Counter[str], key: str) -> None:
        with self._lock:
            counter[key] += 1

    def summary(self) -> dict[str, Any]:
        exercised = {" ".join(key.split(" ")[:2]) for key in self.checked}
        return {
            "responses": sum(self.checked.values()),
            "operations": len(self.operations),
            "exercised": sorted(exercised),
            "answers": dict(sorted(self.checked.items())),
            "skipped": dict(self.skipped),
        }


def _text(body: bytes) -> str:
    return body.decode("utf-8")


def _template(rule: str) -> str:
    """``/api/v1/transfers/<uuid:transfer_id>`` → ``/transfers/{transfer_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule[len(API) :])


def _explain(label: str, response: TestResponse, errors: list[Exception]) -> str:
    lines = [f"{label} answered {response.status_code} {response.mimetype}, off the contract:"]
    for error in errors:
        # openapi-core wraps jsonschema's findings (``schema_errors``) in its own error.
        found = getattr(error.__cause__, "schema_errors", None) or ()
        if not found:
            lines.append(f"  {type(error).__name__}: {error}")
        for cause in found:
            where = "/".join(str(p) for p in cause.absolute_path) or "(body)"
            lines.append(f"  {type(error).__name__} at {where}: {cause.message}")
    body = response.get_data(as_text=True)
    lines.append(f"  body: {body[:600]}")
    return "\n".join(lines)


class _State:
    """The session's contract (built from the first application) and the current test's
    opt-out."""

    contract: Contract | None = None
    enabled: bool = True
    lock = threading.Lock()


STATE = _State()


def contract_for(app: Flask) -> Contract | None:
    api = app.extensions.get("restx_api")
    if api is None:  # a bare Flask application built by a test
        return None
    with STATE.lock:
        if STATE.contract is None:
            with app.test_request_context():  # flask-restx builds URLs while describing
                STATE.contract = Contract(api.document(OPENAPI_VERSION))
    return STATE.contract


class ContractClient(FlaskClient):
    """Flask's test client, checking each answer against the contract (module docstring)."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        if STATE.enabled:
            contract = contract_for(self.application)
            if contract is not None:
                contract.check(self.application, response)
        return response


def write_report() -> str | None:
    """The session's figures, also written to ``CONTRACT_REPORT`` when set."""
    contract = STATE.contract
    if contract is None:
        return None
    summary = contract.summary()
    path = os.environ.get("CONTRACT_REPORT")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            json.dump(summary, out, indent=1)
    return (
        f"contract: {summary['responses']} answers checked against openapi.json, "
        f"{len(summary['exercised'])} of {summary['operations']} operations exercised"
    )
