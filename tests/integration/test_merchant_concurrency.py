"""Racing merchant operations on PostgreSQL: a request is paid once, refunds never exceed it.

Each thread is its own request (app context and unit of work); a barrier lines
them up so they really race for the payment request's row.
"""

import pytest

from app.db import transaction
from app.ledger import chart
from app.payments import refunds, requests
from tests import factories
from tests.concurrency import RACERS, race
from tests.e2e.payments_support import available, wallet_of

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def sale(runtime):
    with transaction(runtime) as session:
        shop = factories.merchant(session)
        awa = factories.customer(session, balance=50_000)
        request, _ = requests.create_payment_request(
            session, shop.client.id, msisdn=awa.msisdn, amount=10_000, reference="CMD-1"
        )
    return shop, awa, request.id


def test_racing_approvals_pay_once(app, runtime, sale):
    _shop, awa, request_id = sale

    outcomes = race(
        app,
        runtime,
        RACERS,
        lambda s, i: requests.approve_request(s, request_id, awa, pin=factories.PIN).status,
    )

    assert outcomes == ["paid"] * RACERS
    assert wallet_of(runtime, awa) == 40_000


def test_approval_racing_decline_settles_one_way(app, runtime, sale):
    _shop, awa, request_id = sale

    def work(session, i):
        if i % 2:
            return requests.decline_request(session, request_id, awa).status
        return requests.approve_request(session, request_id, awa, pin=factories.PIN).status

    outcomes = race(app, runtime, RACERS, work)

    paid = wallet_of(runtime, awa) == 40_000
    assert set(outcomes) <= {"paid", "declined", "invalid_state"}
    assert ("paid" in outcomes) == paid
    assert not ("paid" in outcomes and "declined" in outcomes)


def test_concurrent_refunds_never_exceed_the_payment(app, runtime, sale):
    shop, awa, request_id = sale
    with transaction(runtime) as session:
        requests.approve_request(session, request_id, awa, pin=factories.PIN)

    outcomes = race(
        app,
        runtime,
        RACERS,
        lambda s, i: refunds.refund_payment(s, shop.client.id, request_id, amount=4_000).amount,
    )

    assert sorted(outcomes, key=str) == [4_000, 4_000] + ["invalid_state"] * (RACERS - 2)
    assert wallet_of(runtime, awa) == 48_000
    assert available(runtime, chart.merchant(shop.client.id)) == 9_850 - 2 * 3_940
