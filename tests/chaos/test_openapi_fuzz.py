"""schemathesis against ``/api/v1/swagger.json``: no 5xx and no response off its schema.

Every operation of the OpenAPI document is called with generated requests, valid
ones (positive: they reach the business rules) and malformed ones (negative: wrong
types, missing or extra fields, out-of-range numbers, odd strings), signed in as the
role it documents (its 403), on SQLite and on PostgreSQL. ``FUZZ_EXAMPLES`` sets the
examples per operation and mode (default 15, bounded for CI: about 2 300 requests,
under a minute per database on two cores; the chaos runner raises it). Generation
is derandomized unless ``FUZZ_SEED`` is given, so a CI failure reproduces. The
test counts the requests that reached the application and says how many.

Our own malformed cases (lone surrogates, double slashes, huge numbers, control
characters, wrong content types) are in tests/e2e/test_malformed_requests.py.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.openapi_support import credentials, operations, run_last

pytestmark = pytest.mark.slow

DEFAULT_EXAMPLES = 15
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", str(DEFAULT_EXAMPLES)))
SEED = os.environ.get("FUZZ_SEED")
CHECKS = [not_a_server_error, response_schema_conformance]
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
# What the default run must reach (the "Done when": >= 2 000 malformed or not).
MIN_REQUESTS = 2_000


def flatten(error: BaseException) -> list[BaseException]:
    inner = getattr(error, "exceptions", None)
    if not inner:
        return [error]
    return [leaf for e in inner for leaf in flatten(e)]


class Counted:
    """The WSGI application, counting the requests that reach it and their statuses."""

    def __init__(self, wsgi_app) -> None:  # type: ignore[no-untyped-def]
        self.wsgi_app = wsgi_app
        self.requests = 0
        self.by_class: dict[str, int] = {}

    def __call__(self, environ, start_response):  # type: ignore[no-untyped-def]
        self.requests += 1

        def counting_start_response(status, headers, exc_info=None):  # type: ignore[no-untyped-def]
            label = status[0] + "xx"
            self.by_class[label] = self.by_class.get(label, 0) + 1
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, counting_start_response)


def test_no_operation_answers_5xx_or_off_its_schema(app, capsys):
    signed_in = credentials(app)
    role_of = {(op.method, op.template): op.role for op in operations(app.test_client())}
    counted = Counted(app.wsgi_app)
    app.wsgi_app = counted
    schema = schemathesis.openapi.from_wsgi("/api/v1/swagger.json", app)
    failures: list[str] = []
    every = [result.ok() for result in schema.get_all_operations()]
    for operation in sorted(every, key=lambda op: run_last(op.path)):
        headers = signed_in[role_of[(operation.method.upper(), operation.path)]]
        for mode in MODES:
            try:
                fuzz(operation, mode, headers)
            except Unsatisfiable:
                # nothing in the operation can be made invalid (no parameter, no body)
                if mode is not GenerationMode.NEGATIVE:
                    raise
            except (Exception, BaseExceptionGroup) as error:
                # schemathesis' FailureGroup is a BaseExceptionGroup: collected too,
                # so one run lists the failures of every operation
                for leaf in flatten(error):
                    first = "\n".join(str(leaf).splitlines()[:12])
                    failures.append(f"{operation.label} ({mode.value}): {first}")
    with capsys.disabled():
        print(  # noqa: T201 - the count is the point of the run
            f"\nschemathesis: {counted.requests} requests over {len(every)} operations, "
            f"by status class {dict(sorted(counted.by_class.items()))}"
        )
    assert len(every) > 50, "the OpenAPI document lost its operations"
    assert not failures, "\n\n".join(failures)
    assert counted.by_class.get("5xx", 0) == 0
    if EXAMPLES >= DEFAULT_EXAMPLES:
        assert counted.requests >= MIN_REQUESTS, counted.requests


def fuzz(operation, mode: GenerationMode, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """Call ``operation`` with ``EXAMPLES`` generated cases of ``mode``, signed in."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=SEED is None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case) -> None:  # type: ignore[no-untyped-def]
        case.headers = {**(case.headers or {}), **headers}
        case.call_and_validate(checks=CHECKS)

    if SEED is not None:
        call = schemathesis_seed(call, int(SEED))
    call()


def schemathesis_seed(test, seed: int):
    from hypothesis import seed as hypothesis_seed

    return hypothesis_seed(seed)(test)
