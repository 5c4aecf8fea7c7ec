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
  (``application/json``, or ``application/problem+json`` for an error; for a file,
  a PDF letter, that is all), its body matches the schema (an object may carry no
  member the schema does not declare, unless the schema says so, like a problem's
  extra members), so a problem's
  ``code`` is one of the values its operation documents for that status, and the
  documented headers (``Retry-After``, ``Idempotent-Replayed``...) have their type.

A test that exercises behaviour the contract deliberately leaves out opts out with
``@pytest.mark.undocumented_response("why")``; keep them rare.

The document is built and parsed once per session (the operations are the same in
every application the tests build). With ``CONTRACT_REPORT=path`` the session writes
what it checked there (JSON), so the runs of several chunks can be added up.
"""

from __future__ import annotations

import copy
import json
import os
import re
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import quote

from flask import Flask
from flask.testing import FlaskClient
from openapi_schema_validator import OAS31Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RoutingException
from werkzeug.test import TestResponse

from app.api.openapi import OPENAPI_VERSION

API = "/api/v1"
METHODS = ("get", "post", "put", "patch", "delete")
# What Flask answers for every route, and the documents that describe the operations.
NOT_OPERATIONS = ("HEAD", "OPTIONS")
DOCUMENT_ENDPOINTS = ("api.specs", "api.doc", "api.root", "api.openapi_document")
MARKER = "undocumented_response"
DOCUMENT_URI = "urn:postcash:openapi.json"


class ContractBroken(AssertionError):
    """An answer the published contract does not allow."""


class Contract:
    """``openapi.json`` ready to check answers, and what was checked against it.

    Each schema is validated by openapi-schema-validator's ``OAS31Validator`` (jsonschema
    with OpenAPI 3.1's dialect and formats), compiled once per operation, status and
    media type, its ``$ref`` resolved in the document itself."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = _closed(copy.deepcopy(document))
        self.registry: Registry[Any] = Registry().with_resource(
            DOCUMENT_URI,
            Resource.from_contents(self.document, default_specification=DRAFT202012),
        )
        self.operations: dict[tuple[str, str], dict[str, Any]] = {
            (method.upper(), path): operation
            for path, item in self.document["paths"].items()
            for method, operation in item.items()
            if method in METHODS
        }
        self._validators: dict[str, Any] = {}
        self.checked: Counter[str] = Counter()
        self.skipped: Counter[str] = Counter()
        self.seconds = 0.0  # spent checking, to keep an eye on the cost
        self._lock = threading.Lock()

    def check(self, app: Flask, response: TestResponse) -> None:
        started = time.perf_counter()
        try:
            self._check(app, response)
        finally:
            elapsed = time.perf_counter() - started
            with self._lock:
                self.seconds += elapsed

    def _check(self, app: Flask, response: TestResponse) -> None:
        request = response.request
        if not request.path.startswith(API + "/") or request.method in NOT_OPERATIONS:
            return
        if "//" in request.environ.get("PATH_INFO", ""):  # an empty segment names nothing
            self._unrouted(request.method, request.path, response.status_code)
            return
        try:
            rule, _arguments = app.url_map.bind("localhost").match(
                request.path, method=request.method, return_rule=True
            )
        except (NotFound, MethodNotAllowed):
            self._unrouted(request.method, request.path, response.status_code)
            return
        except RoutingException:  # a redirect (a slash to add): the router's, no operation
            self._count(self.skipped, "redirect")
            return
        if rule.endpoint in DOCUMENT_ENDPOINTS or "swaggerui" in rule.rule:
            return
        template = _template(rule.rule)
        label = f"{request.method} {template}"
        status = str(response.status_code)
        operation = self.operations.get((request.method, template))
        if operation is None:
            raise ContractBroken(f"{label} answered {status} but is not in openapi.json")
        problems = self._problems(request.method, template, operation, response)
        if problems:
            raise ContractBroken(_explain(label, response, problems))
        self._count(self.checked, f"{label} {status}")

    def _problems(
        self, method: str, template: str, operation: dict[str, Any], response: TestResponse
    ) -> list[str]:
        status = str(response.status_code)
        documented = operation["responses"].get(status)
        if documented is None:
            listed = ", ".join(sorted(operation["responses"]))
            return [f"status {status} is not documented (documented: {listed})"]
        problems = self._header_problems(documented, response)
        content = documented.get("content")
        if not content:
            if response.get_data():
                problems.append(f"status {status} documents no body, yet one came")
            return problems
        media = response.mimetype
        if media not in content:
            return [*problems, f"media type {media} is not documented for {status}"]
        if not _readable(media):  # a file (a PDF letter): its media type is the contract
            return problems
        try:
            body = _parse(media, response.get_data())
        except ValueError as error:
            return [*problems, f"the body is not {media}: {error}"]
        where = ["#/paths", _escape(template), method.lower(), "responses", status]
        pointer = "/".join([*where, "content", _escape(media), "schema"])
        validator = self._validator(pointer)
        for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
            where = "/".join(str(part) for part in error.absolute_path) or "(body)"
            problems.append(f"at {where}: {error.message}")
        return problems

    def _header_problems(self, documented: dict[str, Any], response: TestResponse) -> list[str]:
        found = []
        for name, header in documented.get("headers", {}).items():
            value = response.headers.get(name)
            kind = header.get("schema", {}).get("type")
            if value is not None and kind == "integer" and not value.isdigit():
                found.append(f"header {name}: {value!r} is not an integer")
        return found

    def _validator(self, pointer: str) -> Any:
        with self._lock:
            validator = self._validators.get(pointer)
            if validator is None:
                validator = OAS31Validator(
                    {"$ref": DOCUMENT_URI + pointer},
                    registry=self.registry,
                    format_checker=OAS31Validator.FORMAT_CHECKER,
                )
                self._validators[pointer] = validator
        return validator

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
            "seconds": round(self.seconds, 2),
            "exercised": sorted(exercised),
            "answers": dict(sorted(self.checked.items())),
            "skipped": dict(self.skipped),
        }


def _closed(node: Any) -> Any:
    """Each object schema that lists its members but does not say whether others may
    come allows none: a member the schema does not declare is a mismatch (a schema that
    allows more says so, like a problem)."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for child in node.values():
            _closed(child)
    elif isinstance(node, list):
        for child in node:
            _closed(child)
    return node


def _readable(media: str) -> bool:
    return media == "application/json" or media.endswith("+json") or media.startswith("text/")


def _parse(media: str, body: bytes) -> Any:
    """The body as the schema sees it: JSON parsed, text as a string."""
    if media == "application/json" or media.endswith("+json"):
        return json.loads(body)
    return body.decode("utf-8")


def _escape(part: str) -> str:
    """A JSON pointer token (RFC 6901), percent-encoded for a URI fragment."""
    return quote(part.replace("~", "~0").replace("/", "~1"), safe="~")


def _template(rule: str) -> str:
    """``/api/v1/transfers/<uuid:transfer_id>`` → ``/transfers/{transfer_id}``."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule[len(API) :])


def _explain(label: str, response: TestResponse, problems: list[str]) -> str:
    lines = [f"{label} answered {response.status_code} {response.mimetype}, off the contract:"]
    lines += [f"  {problem}" for problem in problems]
    lines.append(f"  body: {response.get_data(as_text=True)[:600]}")
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
            started = time.perf_counter()
            with app.test_request_context():  # flask-restx builds URLs while describing
                STATE.contract = Contract(api.document(OPENAPI_VERSION))
            STATE.contract.seconds += time.perf_counter() - started
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
        f"{len(summary['exercised'])} of {summary['operations']} operations exercised, "
        f"{summary['seconds']} s spent checking"
    )
