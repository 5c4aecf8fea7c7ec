"""The database goes away in the middle of a request (API.md: a 5xx is always a bug).

The answer is a 503 ``service_unavailable`` problem with ``Retry-After``; the unit
of work rolled back, so nothing is half-applied, and the same Idempotency-Key
may be retried at once.
"""

from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from app.agents import cash
from app.db import transaction
from tests import factories
from tests.e2e.payments_support import API, float_of, post, wallet_of


def connection_lost(*_args, **_kwargs):
    raise sa_exc.OperationalError(
        "UPDATE transfers ...", {}, psycopg.OperationalError("server closed the connection")
    )


@pytest.fixture
def people(runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=10_000)
        counter = factories.agent(session, float_balance=100_000)
    return awa, counter


def cash_in(client, app, counter, awa, key):
    body = {"msisdn": awa.msisdn, "amount": 5_000}
    return post(client, app, counter, "/agent/cash-in", body, key)


def test_a_money_request_that_loses_the_database_is_503_and_moves_nothing(
    client, app, runtime, people, monkeypatch
):
    awa, counter = people
    with monkeypatch.context() as patch:  # the ledger entry is written, then the connection drops
        patch.setattr(cash, "mark_completed", connection_lost)
        response = cash_in(client, app, counter, awa, "till-7")
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "service_unavailable"
    assert response.headers["Retry-After"] == "5"
    assert (wallet_of(runtime, awa), float_of(runtime, counter)) == (10_000, 100_000)

    retried = cash_in(client, app, counter, awa, "till-7")
    assert retried.status_code == 201, retried.get_json()
    assert wallet_of(runtime, awa) == 15_000


def test_a_read_that_loses_the_database_is_503(client, app, people, monkeypatch):
    awa, _counter = people
    monkeypatch.setattr("app.customers.service.get_customer", connection_lost)
    response = client.get(f"{API}/me", headers=factories.headers_for(app, awa))
    assert response.status_code == 503
    assert response.get_json()["code"] == "service_unavailable"


@contextmanager
def database_down(runtime):
    """While inside, every statement fails as if the server had gone away."""

    def down(*_args, **_kwargs):
        connection_lost()

    engine = runtime.database.engine
    event.listen(engine, "before_cursor_execute", down)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", down)


def test_a_rest_call_while_the_database_is_down_is_503(client, app, runtime, people):
    awa, _counter = people
    headers = factories.headers_for(app, awa)
    with database_down(runtime):
        response = client.get(f"{API}/me/balance", headers=headers)
    assert response.status_code == 503
    assert response.get_json()["code"] == "service_unavailable"


def test_ussd_answers_a_screen_while_the_database_is_down(client, runtime, people):
    awa, _counter = people
    form = {
        "sessionId": "ATUid_down",
        "serviceCode": "*555#",
        "phoneNumber": awa.msisdn,
        "text": "",
    }
    with database_down(runtime):
        response = client.post("/ussd", data=form)
    assert response.status_code == 200
    assert response.get_data(as_text=True).startswith("END ")


def test_an_inbound_sms_while_the_database_is_down_is_asked_for_again(client, runtime, people):
    awa, _counter = people
    form = {"from": awa.msisdn, "to": "20555", "text": "SOLDE", "id": "ATXid_down", "date": "x"}
    with database_down(runtime):
        response = client.post("/sms/inbound", data=form)
    # not an error page: the gateway is told to post it again later (docs/SMS.md)
    assert (response.status_code, response.headers.get("Retry-After")) == (503, "60")
    assert response.get_data() == b""
