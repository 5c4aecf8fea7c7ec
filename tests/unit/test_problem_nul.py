"""A NUL character the database driver refused is the client's input: 400, not a 500 bug."""

import psycopg
from sqlalchemy import exc as sa_exc

from app.api.problem import problem_body

NUL_REFUSED = "PostgreSQL text fields cannot contain NUL (0x00) bytes"


def test_a_nul_refused_by_postgresql_is_a_validation_error():
    error = sa_exc.DataError("INSERT ...", {}, psycopg.DataError(NUL_REFUSED))

    body, status, _headers = problem_body(error)

    assert status == 400
    assert body["code"] == "validation_error"
    assert body["errors"]


def test_other_data_errors_remain_bugs():
    error = sa_exc.DataError("INSERT ...", {}, psycopg.DataError("value too long for type"))

    body, status, _headers = problem_body(error)

    assert status == 500
    assert body["code"] == "internal_error"
