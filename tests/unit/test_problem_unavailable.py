"""A database that cannot be reached is a 503 "try again", never a 500 "bug"."""

import sqlite3

import psycopg
import pytest
from sqlalchemy import exc as sa_exc

from app.api.problem import problem_body


def wrapped(error_class, orig, **kwargs):
    return error_class("SELECT 1", {}, orig, **kwargs)


@pytest.mark.parametrize(
    "error",
    [
        wrapped(sa_exc.OperationalError, psycopg.OperationalError("server closed the connection")),
        wrapped(sa_exc.InterfaceError, psycopg.InterfaceError("connection already closed")),
        wrapped(
            sa_exc.DBAPIError, Exception("terminating connection"), connection_invalidated=True
        ),
        wrapped(sa_exc.OperationalError, sqlite3.OperationalError("database is locked")),
        sa_exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached"),
        psycopg.OperationalError("connection refused"),
    ],
    ids=["psycopg-wrapped", "interface", "invalidated", "sqlite-locked", "pool-timeout", "raw"],
)
def test_a_lost_database_is_503_service_unavailable_with_retry_after(error):
    body, status, headers = problem_body(error)
    assert status == 503
    assert body["code"] == "service_unavailable"
    assert body["type"] == "https://postcash.cg/problems/service-unavailable"
    assert headers["Retry-After"] == "5"


def test_other_database_errors_remain_bugs():
    error = wrapped(sa_exc.IntegrityError, Exception("duplicate key value"))
    body, status, _headers = problem_body(error)
    assert (status, body["code"]) == (500, "internal_error")


def test_a_failed_cleanup_after_a_lost_connection_is_still_the_outage():
    """Rolling back on the dead connection raises again; the outage is what happened."""
    cleanup = sa_exc.PendingRollbackError(
        "Can't reconnect until invalid transaction is rolled back"
    )
    cleanup.__context__ = wrapped(sa_exc.OperationalError, psycopg.OperationalError("closed"))
    _body, status, _headers = problem_body(cleanup)
    assert status == 503
