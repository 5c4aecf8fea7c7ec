"""OTP and code guessing is rate-limited per number and per address (429 rate_limited)."""

import pytest

from app.db import transaction
from tests import factories
from tests.e2e.payments_support import confirm, post, send_p2p

TIGHT = {"RATELIMIT_OTP": "2/minute"}


@pytest.mark.parametrize("config_overrides", [TIGHT])
def test_otp_confirmation_is_rate_limited(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=10_000)
        bruno = factories.customer(session)
    transfer = send_p2p(client, app, awa, bruno.msisdn, 1_000).get_json()
    codes = [confirm(client, app, awa, transfer["id"], "000000").status_code for _ in range(3)]
    assert codes[:2] == [422, 422]
    assert codes[2] == 429
    limited = confirm(client, app, awa, transfer["id"], "000000")
    assert limited.get_json()["code"] == "rate_limited"
    assert limited.headers.get("Retry-After")


@pytest.mark.parametrize("config_overrides", [TIGHT])
def test_cash_out_codes_are_rate_limited_per_customer_number(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=10_000)
        counter = factories.agent(session)
    post(client, app, awa, "/withdrawals", {"amount": 1_000})
    statuses = [
        post(
            client, app, counter, "/agent/cash-out", {"msisdn": awa.msisdn, "code": "000000"}
        ).status_code
        for _ in range(3)
    ]
    assert statuses == [422, 422, 429]


@pytest.mark.parametrize("config_overrides", [TIGHT])
def test_a_hammered_challenge_does_not_limit_the_next_one(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=10_000)
        bruno = factories.customer(session)
    first = send_p2p(client, app, awa, bruno.msisdn, 1_000).get_json()
    for _ in range(3):
        confirm(client, app, awa, first["id"], "000000")
    assert confirm(client, app, awa, first["id"], "000000").status_code == 429
    second = send_p2p(client, app, awa, bruno.msisdn, 1_000).get_json()
    otp = factories.sms_code(app, awa.msisdn, digits=6)
    done = confirm(client, app, awa, second["id"], otp)
    assert (done.status_code, done.get_json()["status"]) == (200, "completed")


@pytest.mark.parametrize(
    "config_overrides", [{"RATELIMIT_OTP": "10/minute", "RATELIMIT_OTP_ACCOUNT": "3/minute"}]
)
def test_codes_typed_by_one_account_are_limited_across_its_challenges(client, app, runtime):
    with transaction(runtime) as session:
        awa = factories.customer(session, balance=10_000)
        bruno = factories.customer(session)
    statuses = []
    for _ in range(4):
        transfer = send_p2p(client, app, awa, bruno.msisdn, 500).get_json()
        statuses.append(confirm(client, app, awa, transfer["id"], "000000").status_code)
    assert statuses == [422, 422, 422, 429]


@pytest.mark.parametrize("config_overrides", [{}])
def test_many_customers_confirming_from_one_address_are_not_limited(client, app, runtime):
    with transaction(runtime) as session:
        payers = [factories.customer(session, balance=5_000) for _ in range(40)]
        bruno = factories.customer(session)
    statuses = []
    for payer in payers:
        transfer = send_p2p(client, app, payer, bruno.msisdn, 500).get_json()
        statuses.append(confirm(client, app, payer, transfer["id"], "000000").status_code)
    assert statuses == [422] * 40
