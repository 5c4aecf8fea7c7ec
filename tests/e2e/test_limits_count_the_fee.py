"""The KYC caps of a basic customer: single 100 000 on the amount typed, daily 200 000 on
what leaves the wallet (amounts plus fees)."""

from app.customers import limits
from app.customers.service import get_customer
from app.db import transaction
from tests import factories
from tests.e2e.payments_support import post, send_p2p, wallet_of


def test_a_transfers_fee_counts_against_the_daily_limit(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=300_000)
        bruno = factories.customer(session, first_name="Bruno")
        carine = factories.customer(session, first_name="Carine")
    assert send_p2p(client, app, awa, bruno.msisdn, 99_500).status_code == 201  # + fee 500
    second = send_p2p(client, app, awa, carine.msisdn, 99_600)  # + fee 500: 200 100 in all
    assert (second.status_code, second.get_json()["code"]) == (422, "limit_exceeded")
    with transaction(runtime) as session:
        assert limits.usage(session, get_customer(session, awa.id))["daily"] == 100_000


def test_the_single_limit_is_on_the_amount_typed(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=150_000)
        bruno = factories.customer(session, first_name="Bruno")
    assert send_p2p(client, app, awa, bruno.msisdn, 100_000).status_code == 201  # + fee 500
    refused = send_p2p(client, app, awa, bruno.msisdn, 100_001)
    assert (refused.status_code, refused.get_json()["code"]) == (422, "limit_exceeded")


def test_a_withdrawals_fee_counts_against_the_daily_limit(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=200_000)
        bruno = factories.customer(session, first_name="Bruno")
    assert send_p2p(client, app, awa, bruno.msisdn, 99_500).status_code == 201  # 100 000 out
    response = post(client, app, awa, "/withdrawals", {"amount": 99_500})  # + fee 1 000
    assert (response.status_code, response.get_json()["code"]) == (422, "limit_exceeded")
    assert wallet_of(runtime, awa) == 100_000
