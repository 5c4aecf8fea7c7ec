"""schemathesis against ``/api/v1/swagger.json``: no 5xx and no response off its schema.

Every operation of the OpenAPI document is called with generated requests
(valid and invalid), signed in as the role its path is for, on SQLite and on
PostgreSQL. ``FUZZ_EXAMPLES`` sets the examples per operation (default 25,
bounded for CI; the chaos runner raises it). Generation is derandomized unless
``FUZZ_SEED`` is given, so a CI failure reproduces.
"""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from app.runtime import transaction
from tests import factories

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
SEED = os.environ.get("FUZZ_SEED")
CHECKS = [not_a_server_error, response_schema_conformance]

# The caller each part of the API is for; anything else is a customer's.
ROLE_BY_PREFIX = [
    ("/admin", "admin"),
    ("/agent", "agent"),
    ("/partners", "partner"),
    ("/merchant", "merchant"),
    ("/disbursements", "payer"),
]


def credentials(app) -> dict[str, dict[str, str]]:
    with transaction(app.extensions["postcash"]) as session:
        customer = factories.customer(session, balance=50_000)
        agent = factories.agent(session, float_balance=100_000)
        admin = factories.admin(session)
        keys = {
            role: factories.api_client(session, role)[1]
            for role in ("partner", "merchant", "payer")
        }
    found = {
        "customer": factories.headers_for(app, customer),
        "agent": factories.headers_for(app, agent),
        "admin": factories.headers_for(app, admin),
    }
    found.update({role: {"X-API-Key": key} for role, key in keys.items()})
    return found


def role_for(path: str) -> str:
    return next((role for prefix, role in ROLE_BY_PREFIX if path.startswith(prefix)), "customer")


def flatten(error: BaseException) -> list[BaseException]:
    inner = getattr(error, "exceptions", None)
    if not inner:
        return [error]
    return [leaf for e in inner for leaf in flatten(e)]


def test_no_operation_answers_5xx_or_off_its_schema(app):
    signed_in = credentials(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/swagger.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=SEED is None,
            suppress_health_check=list(HealthCheck),
        )
        def call(case) -> None:
            case.headers = {**(case.headers or {}), **signed_in[role_for(case.path)]}
            case.call_and_validate(checks=CHECKS)

        if SEED is not None:
            call = schemathesis_seed(call, int(SEED))
        try:
            call()
        except Exception as error:
            for leaf in flatten(error):
                first = "\n".join(str(leaf).splitlines()[:12])
                failures.append(f"{operation.label}: {first}")
    assert operations > 50, "the OpenAPI document lost its operations"
    assert not failures, "\n\n".join(failures)


def schemathesis_seed(test, seed: int):
    from hypothesis import seed as hypothesis_seed

    return hypothesis_seed(seed)(test)
