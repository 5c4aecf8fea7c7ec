"""OTP and code guessing is rate-limited per number and per address (429 rate_limited)."""

import pytest

from app.runtime import transaction
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
