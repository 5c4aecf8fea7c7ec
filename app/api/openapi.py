"""The published contract: ``/api/v1/swagger.json`` (Swagger 2.0) and ``/api/v1/openapi.json``
(OpenAPI 3.1), both generated from the same source.

The source of truth for every shape is a marshmallow schema. Each resource method
says what it takes and answers with ``@operation`` (its operationId, its body, its
query, its success status and schema, the domain errors it can raise); what the
other decorators already know is read from flask-restx's own description of the
method (``require``: the security scheme, 401 and 403; ``idempotent``: the
``Idempotency-Key`` header; ``rate_limit``: the 429). ``build_spec`` joins both
into one document with apispec's marshmallow plugin, in either version:

* every error status answers ``application/problem+json`` (``ProblemSchema``), its
  ``code`` an enum of the values that status can carry for that operation;
* every operation takes an optional ``X-Request-ID`` header and every response
  documents it; an idempotent operation's success
  documents ``Idempotent-Replayed``; a 429 and a 503 document ``Retry-After``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.common import resolve_schema_cls
from marshmallow import INCLUDE, Schema, fields

from app.errors import (
    DomainError,
    IdempotencyKeyMissing,
    IdempotencyKeyReused,
    RequestInProgress,
)

F = TypeVar("F", bound=Callable[..., Any])
SchemaRef = type[Schema] | Schema

ATTRIBUTE = "__contract__"
OPENAPI_VERSION = "3.1.0"
SWAGGER_VERSION = "2.0"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"
MULTIPART = "multipart/form-data"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TITLE = "PostCash API"
DESCRIPTION = "Mobile money and remittances of the national postal operator (XAF)."

# operationIds read as verbs: a lower-case verb, then words in camel case.
OPERATION_ID = re.compile(r"^[a-z]+(?:[A-Z][a-z0-9]*)*$")
VERBS = frozenset(
    {
        "accept",
        "add",
        "approve",
        "cancel",
        "change",
        "check",
        "claim",
        "confirm",
        "create",
        "decline",
        "delete",
        "deposit",
        "disable",
        "enable",
        "freeze",
        "get",
        "list",
        "leave",
        "login",
        "logout",
        "pay",
        "quote",
        "raise",
        "record",
        "refund",
        "register",
        "replace",
        "request",
        "retry",
        "reverse",
        "rotate",
        "run",
        "send",
        "set",
        "unfreeze",
        "unlock",
        "update",
        "upgrade",
        "verify",
        "withdraw",
    }
)


class ProblemSchema(Schema):
    """RFC 9457 problem details, with PostCash's stable ``code``; a problem may carry
    more members (``attempts_left``, ``locked_until``...)."""

    class Meta:
        unknown = INCLUDE

    type = fields.String(required=True, metadata={"format": "uri"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    code = fields.String(required=True, metadata={"description": "stable error code"})
    detail = fields.String()
    errors = fields.Dict(
        metadata={"description": "validation_error: the messages by field (nested by path)"}
    )


@dataclass(frozen=True)
class Contract:
    """What ``@operation`` says of one resource method."""

    operation_id: str
    body: SchemaRef | None = None
    form: SchemaRef | None = None
    query: SchemaRef | None = None
    status: int = 200
    response: SchemaRef | None = None
    also: tuple[int, ...] = ()
    media_type: str = JSON  # anything else is a file: documented as binary, no schema
    also_media: tuple[str, ...] = ()
    errors: tuple[type[DomainError], ...] = ()
    codes: dict[int, tuple[str, ...]] = field(default_factory=dict)


def operation(
    operation_id: str,
    *,
    body: SchemaRef | None = None,
    form: SchemaRef | None = None,
    query: SchemaRef | None = None,
    status: int = 200,
    response: SchemaRef | None = None,
    also: Iterable[int] = (),
    media_type: str = JSON,
    also_media: Iterable[str] = (),
    errors: Iterable[type[DomainError]] = (),
    codes: dict[int, tuple[str, ...]] | None = None,
) -> Callable[[F], F]:
    """Document a resource method (put it above the other decorators).

    ``body``: the JSON body schema; ``form``: a ``multipart/form-data`` body's
    (an upload; Swagger 2.0 shows it only when there is no JSON body); ``query``: the
    query parameters' schema; ``status``/``response``: the success status and its
    schema (none for a 204), ``also`` other success statuses with that schema
    (200 for a replayed creation); ``also_media``: other media types the success
    can answer in, as text (``text/csv`` on request); ``errors``: the domain errors
    the operation raises (their status and code go to the spec); ``codes``: more
    ``{status: codes}``.
    """
    if not OPERATION_ID.match(operation_id) or verb(operation_id) not in VERBS:
        raise ValueError(f"operationId {operation_id!r} does not start with a known verb")
    contract = Contract(
        operation_id,
        body=body,
        form=form,
        query=query,
        status=status,
        response=response,
        also=tuple(also),
        media_type=media_type,
        also_media=tuple(also_media),
        errors=tuple(errors),
        codes=dict(codes or {}),
    )

    def decorate(view: F) -> F:
        setattr(view, ATTRIBUTE, contract)
        apidoc = dict(getattr(view, "__apidoc__", {}))
        apidoc["id"] = operation_id
        view.__apidoc__ = apidoc  # type: ignore[attr-defined]  # flask-restx reads it
        return view

    return decorate


def verb(operation_id: str) -> str:
    return re.split(r"(?=[A-Z])", operation_id, maxsplit=1)[0]


def contract_of(view: Callable[..., Any]) -> Contract | None:
    found = getattr(view, ATTRIBUTE, None)
    return found if isinstance(found, Contract) else None


# --------------------------------------------------------------------------- building


@dataclass(frozen=True)
class Documented:
    """One operation: its path and method, flask-restx's description, its contract."""

    path: str
    method: str
    restx: dict[str, Any]
    path_parameters: tuple[dict[str, Any], ...]
    contract: Contract | None
    tag: str


def documented_operations(api: Any) -> Iterator[Documented]:
    """Every operation flask-restx routes, with its contract (None if undocumented)."""
    from flask_restx.swagger import Swagger, extract_path

    restx_paths = Swagger(api).as_dict()["paths"]
    for namespace in api.namespaces:
        for resource, urls, _route_doc, _kwargs in namespace.resources:
            for url in api.ns_urls(namespace, urls):
                path = extract_path(url)
                item = restx_paths.get(path, {})
                shared = tuple(item.get("parameters", []))
                for method in sorted(resource.methods or ()):
                    lower = method.lower()
                    if lower not in item:
                        continue
                    view = getattr(resource, lower)
                    yield Documented(
                        path, lower, item[lower], shared, contract_of(view), namespace.name
                    )


def _schema_cls(schema: Any) -> type[Schema]:
    found = resolve_schema_cls(schema)
    return found[0] if isinstance(found, list) else found


def _schema_name(schema: Any) -> str:
    cls = _schema_cls(schema)
    name = cls.__name__
    return name[: -len("Schema")] if name.endswith("Schema") and name != "Schema" else name


class _Names:
    """One component name per schema class; a second class of the same name gets a
    prefix from its module (``transfers.Reversal`` → ``TransfersReversal``)."""

    def __init__(self) -> None:
        self.by_name: dict[str, type] = {}

    def __call__(self, schema: Any) -> str:
        cls = _schema_cls(schema)
        name = _schema_name(cls)
        owner = self.by_name.setdefault(name, cls)
        if owner is cls:
            return name
        module = cls.__module__.rsplit(".", 1)[-1].title().replace("_", "")
        name = module + name
        self.by_name.setdefault(name, cls)
        return name


def build_spec(api: Any, openapi_version: str) -> dict[str, Any]:
    """The document of ``api`` in ``openapi_version`` ("2.0" or "3.1.0")."""
    v2 = openapi_version.startswith("2")
    plugin = MarshmallowPlugin(schema_name_resolver=_Names())
    options: dict[str, Any] = {"info": {"description": DESCRIPTION}}
    if v2:
        options.update(
            basePath="/api/v1",
            consumes=[JSON, MULTIPART],
            produces=[JSON, PROBLEM_JSON],
        )
    else:
        options["servers"] = [{"url": "/api/v1"}]
    spec = APISpec(TITLE, "1", openapi_version, plugins=[plugin], **options)
    if v2:
        spec.components.security_scheme(
            "bearer",
            {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Bearer <access_token>",
            },
        )
    else:
        spec.components.security_scheme(
            "bearer", {"type": "http", "scheme": "bearer", "description": "access token"}
        )
    spec.components.security_scheme(
        "apikey", {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    )
    spec.components.schema("Problem", schema=ProblemSchema)
    problem_ref = "#/definitions/Problem" if v2 else "#/components/schemas/Problem"

    by_path: dict[str, dict[str, Any]] = {}
    shared_by_path: dict[str, tuple[dict[str, Any], ...]] = {}
    tags: dict[str, str] = {namespace.name: namespace.description for namespace in api.namespaces}
    for op in documented_operations(api):
        by_path.setdefault(op.path, {})[op.method] = _operation(op, v2, problem_ref)
        shared_by_path[op.path] = op.path_parameters
    for name, description in tags.items():
        spec.tag({"name": name, "description": description or name})
    for path, operations in by_path.items():
        shared = [_parameter(p, v2) for p in shared_by_path[path]]
        spec.path(path=path, operations=operations, parameters=shared or None)
    document = spec.to_dict()
    if v2:
        _drop_null_defaults(document.get("definitions", {}))
    return document


def _drop_null_defaults(node: Any) -> None:
    """Swagger 2.0 has no null: a ``load_default=None`` is no default there."""
    if isinstance(node, dict):
        if "default" in node and node["default"] is None:
            del node["default"]
        for child in node.values():
            _drop_null_defaults(child)
    elif isinstance(node, list):
        for child in node:
            _drop_null_defaults(child)


def _header(description: str, v2: bool, kind: str = "string") -> dict[str, Any]:
    if v2:
        return {"type": kind, "description": description}
    return {"description": description, "schema": {"type": kind}}


def _request_id_parameter(v2: bool) -> dict[str, Any]:
    """``X-Request-ID`` a client may send to follow its request through our logs (kept
    when printable and at most 64 characters, else replaced); every answer echoes it."""
    kind = {"type": "string", "minLength": 1, "maxLength": 64}
    parameter: dict[str, Any] = {
        "in": "header",
        "name": "X-Request-ID",
        "required": False,
        "description": "the caller's id for this request, echoed in the answer's X-Request-ID",
    }
    if v2:
        parameter.update(kind)
    else:
        parameter["schema"] = kind
    return parameter


def _parameter(restx: dict[str, Any], v2: bool) -> dict[str, Any]:
    """A flask-restx (Swagger 2.0) parameter, in the document's version."""
    parameter = {k: v for k, v in restx.items() if k not in ("type", "format", "enum", "items")}
    if parameter.get("in") == "path":
        parameter["required"] = True
    kind: dict[str, Any] = {k: restx[k] for k in ("type", "format", "enum", "items") if k in restx}
    kind.setdefault("type", "string")
    if v2:
        parameter.update(kind)
    else:
        parameter["schema"] = kind
    return parameter


def _operation(op: Documented, v2: bool, problem_ref: str) -> dict[str, Any]:
    restx = op.restx
    contract = op.contract
    result: dict[str, Any] = {"tags": [op.tag]}
    for key in ("summary", "description", "security", "operationId"):
        if key in restx:
            result[key] = restx[key]
    if contract is not None:
        result["operationId"] = contract.operation_id
    restx_parameters = [p for p in restx.get("parameters", []) if p.get("in") != "body"]
    if contract is not None and contract.query is not None:
        restx_parameters = [p for p in restx_parameters if p.get("in") != "query"]
    parameters: list[dict[str, Any]] = [_parameter(p, v2) for p in restx_parameters]
    if contract is not None and contract.query is not None:
        parameters.append({"in": "query", "schema": contract.query})
    idempotent = any(p.get("name") == IDEMPOTENCY_HEADER for p in restx_parameters)
    idempotency_required = any(
        p.get("name") == IDEMPOTENCY_HEADER and p.get("required") for p in restx_parameters
    )
    if contract is not None and v2:
        if contract.body is not None:
            parameters.append(
                {"in": "body", "name": "body", "required": True, "schema": contract.body}
            )
            result["consumes"] = [JSON]
        elif contract.form is not None:
            parameters.append({"in": "formData", "schema": contract.form})
            result["consumes"] = [MULTIPART]
    elif contract is not None and (contract.body is not None or contract.form is not None):
        content = {JSON: contract.body, MULTIPART: contract.form}
        result["requestBody"] = {
            "required": True,
            "content": {media: {"schema": schema} for media, schema in content.items() if schema},
        }
    parameters.append(_request_id_parameter(v2))
    result["parameters"] = parameters
    result["responses"] = _responses(op, v2, problem_ref, idempotent, idempotency_required)
    if v2:
        media_types = {contract.media_type if contract else JSON, PROBLEM_JSON}
        media_types.update(contract.also_media if contract else ())
        result["produces"] = sorted(media_types)
    return result


def _responses(
    op: Documented, v2: bool, problem_ref: str, idempotent: bool, idempotency_required: bool
) -> dict[str, Any]:
    restx_responses: dict[str, Any] = op.restx.get("responses", {})
    contract = op.contract
    request_id = {"X-Request-ID": _header("the request's id (the one sent, or a new one)", v2)}
    responses: dict[str, Any] = {}
    success = contract.status if contract else 200
    description = restx_responses.get(str(success), {}).get("description") or "Success"
    ok: dict[str, Any] = {"description": description, "headers": dict(request_id)}
    if idempotent and success != 204:
        ok["headers"]["Idempotent-Replayed"] = _header(
            "true when this is the stored answer to an earlier request with the same key", v2
        )
    if contract is not None and contract.media_type != JSON:
        # A file (a letter's PDF): bytes, which generators turn into a file object.
        if v2:
            ok["schema"] = {"type": "string", "format": "binary"}
        else:
            ok["content"] = {
                contract.media_type: {"schema": {"type": "string", "format": "binary"}}
            }
    elif contract is not None and contract.response is not None:
        if v2:
            ok["schema"] = contract.response
        else:
            ok["content"] = {contract.media_type: {"schema": contract.response}}
            for media in contract.also_media:
                ok["content"][media] = {"schema": {"type": "string"}}
    responses[str(success)] = ok
    for other in contract.also if contract else ():
        description = restx_responses.get(str(other), {}).get("description") or "Success"
        responses[str(other)] = {**ok, "description": description}

    codes: dict[int, set[str]] = {500: {"internal_error"}, 503: {"service_unavailable"}}
    descriptions: dict[int, str] = {}
    for status_text, restx_response in restx_responses.items():
        status = int(status_text)
        if status < 400:
            continue
        descriptions[status] = restx_response.get("description", "")
        named = set(re.findall(r"[a-z]+(?:_[a-z]+)*", descriptions[status])) & _known_codes()
        codes.setdefault(status, set()).update(named)
    # Every operation: the input guards (``app/api/validation.py``) refuse a query string
    # that is not UTF-8 or a body with a NUL or a lone surrogate before any view runs.
    codes.setdefault(400, set()).add("validation_error")
    if any(p.get("in") == "path" for p in op.path_parameters) or "{" in op.path:
        codes.setdefault(404, set()).add("not_found")
    errors: list[type[DomainError]] = list(contract.errors) if contract else []
    if idempotent:
        errors += [IdempotencyKeyReused, RequestInProgress]
        codes.setdefault(400, set()).add("validation_error")  # a malformed key
    if idempotency_required:
        errors.append(IdempotencyKeyMissing)
    for error in errors:
        codes.setdefault(error.status, set()).add(error.code)
    for status, extra in (contract.codes if contract else {}).items():
        codes.setdefault(status, set()).update(extra)
    for status in sorted(codes):
        listed = sorted(c for c in codes[status] if c)
        if not listed:
            listed = [_default_code(status)]
        headers = dict(request_id)
        if status in (429, 503):
            headers["Retry-After"] = _header("seconds to wait before retrying", v2, "integer")
        text = descriptions.get(status) or ", ".join(listed)
        schema = {
            "allOf": [
                {"$ref": problem_ref},
                # Problem allows extra members; say so here too, or a validator that
                # forbids undeclared members reads this part alone as "code only".
                {
                    "type": "object",
                    "properties": {"code": {"type": "string", "enum": listed}},
                    "additionalProperties": True,
                },
            ]
        }
        response: dict[str, Any] = {"description": text, "headers": headers}
        if v2:
            response["schema"] = schema
        else:
            response["content"] = {PROBLEM_JSON: {"schema": schema}}
        responses[str(status)] = response
    return responses


def _known_codes() -> set[str]:
    """Every stable code: the domain errors' and the HTTP errors'."""
    from app.api.problem import HTTP_CODES

    found = set(HTTP_CODES.values()) | {"service_unavailable", "internal_error"}
    stack: list[type[DomainError]] = [DomainError]
    while stack:
        cls = stack.pop()
        found.add(cls.code)
        stack.extend(cls.__subclasses__())
    found.discard("error")
    return found


def _default_code(status: int) -> str:
    from app.api.problem import HTTP_CODES

    return HTTP_CODES.get(status, "http_error")
