"""The REST channel: flask-restx under /api/v1 with Swagger UI at /api/v1/docs.

Each namespace module is thin: load input with a marshmallow schema, call one
domain function inside a unit of work, dump the result. Errors never return
from here as anything but problem+json (``problem.py``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, jsonify
from flask_restx import Api
from werkzeug.routing import RoutingException

from app.api.openapi import OPENAPI_VERSION, SWAGGER_VERSION, build_spec
from app.api.problem import problem_response


class PostCashApi(Api):
    """flask-restx, whose ``swagger.json`` is generated like ``openapi.json``
    (``app/api/openapi.py``): one source, the marshmallow schemas."""

    _documents: dict[str, dict[str, Any]]

    def document(self, version: str) -> dict[str, Any]:
        """The API's document in ``version`` ("2.0" or "3.1.0"), built once."""
        if not hasattr(self, "_documents"):
            self._documents = {}
        if version not in self._documents:
            self._documents[version] = build_spec(self, version)
        return self._documents[version]

    @property
    def __schema__(self) -> dict[str, Any]:
        return self.document(SWAGGER_VERSION)

    def handle_error(self, e: Exception) -> Response:
        return problem_response(e)

    def _should_use_fr_error_handler(self) -> bool | None:
        """flask-restx matches the URL again with another method to decide who
        renders a 404/405; a URL that redirects under that method (a slash to add)
        raised from inside its error router, a bare HTML 500. Such an error is
        rendered by the application's handler (problem+json) instead."""
        try:
            return super()._should_use_fr_error_handler()
        except RoutingException:
            return False


authorizations = {
    "bearer": {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": "Bearer <access_token>",
    },
    "apikey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def register_api(app: Flask, docs: bool = True) -> None:
    """Mount the API; without ``docs`` (``API_DOCS=off``, the production default)
    neither Swagger UI nor ``swagger.json`` nor ``openapi.json`` is served (404)."""
    blueprint = Blueprint("api", __name__, url_prefix="/api/v1")
    # Swagger UI would show a badge loaded from validator.swagger.io, telling it our URL.
    app.config["SWAGGER_VALIDATOR_URL"] = "none"
    api = PostCashApi(
        version="1",
        title="PostCash API",
        description="Mobile money and remittances of the national postal operator (XAF).",
        doc="/docs" if docs else False,
        authorizations=authorizations,
    )
    # flask-restx reads add_specs from init_app only (the constructor's is overwritten)
    api.init_app(blueprint, add_specs=docs)
    from app.api import namespaces

    for namespace in namespaces.ALL:
        # A namespace is module-level and remembers every Api it was added to (to
        # route resources declared later; ours are all declared on import). Left
        # alone, that list kept every app a process ever built alive: the test
        # suite grew to 5 GB. Each app's Api is the only one a namespace needs.
        namespace.apis.clear()
        api.add_namespace(namespace)
    if docs:

        @blueprint.route("/openapi.json")
        def openapi_document() -> Response:
            """The OpenAPI 3.1 document (the Swagger 2.0 one is ``swagger.json``)."""
            return jsonify(api.document(OPENAPI_VERSION))

    app.register_blueprint(blueprint)
    app.extensions["restx_api"] = api
