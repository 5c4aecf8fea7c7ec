"""Closing the counter's day over REST (API.md "Agents": POST /agent/till/close).

The Poto-Poto counter holds 500 000 FCFA of float. After a 20 000 cash-in
(commission 40) the agent closes the day, counting 480 000 in the drawer: the
closure is answered again on a second close, the day's report is frozen, and
the counter's cash operations answer 409 ``till_closed`` until tomorrow.
"""

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.payments_support import API, post
from tests.problems import problem


@pytest.fixture
def counter(runtime, clock):
    clock.advance(days=-1)
    with transaction(runtime) as session:
        agent = factories.agent(session, float_balance=500_000)
    clock.advance(days=1)
    return agent


def close(client, app, who, body=None):
    return client.post(
        f"{API}/agent/till/close", json=body or {}, headers=factories.headers_for(app, who)
    )


def cash_in(client, app, agent, msisdn, amount):
    return post(client, app, agent, "/agent/cash-in", {"msisdn": msisdn, "amount": amount})


def test_closing_the_day_answers_its_figures(client, app, counter, awa):
    assert cash_in(client, app, counter, awa.msisdn, 20_000).status_code == 201

    response = close(client, app, counter, {"counted_cash": 480_000})

    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {
        "date": "2026-11-28",
        "closed_at": "2026-11-28T09:00:00+00:00",
        "currency": "XAF",
        "opening_float": 500_000,
        "closing_float": 500_000 - 20_000 + 40,
        "commission": 40,
        "operations_count": 1,
        "counted_cash": 480_000,
    }


def test_closing_again_answers_the_first_closure(client, app, clock, counter):
    first = close(client, app, counter, {"counted_cash": 10}).get_json()
    clock.advance(minutes=10)

    assert close(client, app, counter, {"counted_cash": 99}).get_json() == first


def test_after_closing_cash_in_is_refused_with_till_closed(client, app, clock, counter, awa):
    close(client, app, counter)

    body = problem(cash_in(client, app, counter, awa.msisdn, 1_000), 409, "till_closed")

    assert body["title"] == "Till closed for the day"
    clock.advance(days=1)
    assert cash_in(client, app, counter, awa.msisdn, 1_000).status_code == 201


def test_the_report_of_a_closed_day_is_the_stored_one(client, app, runtime, clock, counter, awa):
    cash_in(client, app, counter, awa.msisdn, 20_000)
    close(client, app, counter)
    with transaction(runtime) as session:  # the float moves after the close
        factories.fund(session, f"float:{counter.id}", 50_000)

    report = client.get(
        f"{API}/agent/report?date=2026-11-28", headers=factories.headers_for(app, counter)
    ).get_json()

    assert report["closing_float"] == 500_000 - 20_000 + 40
    assert [op["type"] for op in report["operations"]] == ["cashin"]
    assert report["operations"][0]["at"] == "2026-11-28T09:00:00+00:00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-11-29"}, "date"),
        ({"date": "yesterday"}, "date"),
        ({"counted_cash": -1}, "counted_cash"),
        ({"counted_cash": "100"}, "counted_cash"),
        ({"counted_cash": 1.5}, "counted_cash"),
    ],
)
def test_a_bad_close_is_a_validation_error(client, app, counter, body, field):
    response = problem(close(client, app, counter, body), 400, "validation_error")

    assert field in response["errors"]


def test_a_customer_cannot_close_a_till(client, app, awa):
    assert close(client, app, awa).status_code == 403
