"""Cash at the post-office counter (API.md "Agents"): cash-in, withdrawal codes, cash-out.

The Poto-Poto counter holds 500 000 FCFA of float. Cash-in earns the agent 20 basis
points of the amount (capped); cash-out earns 40 % of the fee (20 000 → fee 300 → 120).
"""

import pytest

from app.db import transaction
from app.ledger import chart
from tests import factories
from tests.e2e.payments_support import API, available, float_of, post, sms_to, wallet_of


@pytest.fixture
def counter(runtime):
    with transaction(runtime) as session:
        return factories.agent(session, float_balance=500_000)


def cash_in(client, app, agent, msisdn, amount, key=None):
    return post(client, app, agent, "/agent/cash-in", {"msisdn": msisdn, "amount": amount}, key)


def withdraw(client, app, who, amount, key=None):
    return post(client, app, who, "/withdrawals", {"amount": amount}, key)


def cash_out(client, app, agent, msisdn, code, key=None):
    return post(client, app, agent, "/agent/cash-out", {"msisdn": msisdn, "code": code}, key)


def test_cash_in_credits_the_wallet_from_the_float_with_commission(
    client, app, runtime, counter, awa
):
    response = cash_in(client, app, counter, awa.msisdn, 20_000)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "completed"
    assert wallet_of(runtime, awa) == 120_000
    assert float_of(runtime, counter) == 500_000 - 20_000 + 40
    assert available(runtime, chart.COMMISSION_AGENTS) == 40  # an expense: debit-normal
    assert "20 000 FCFA" in sms_to(app, awa.msisdn)[-1]


def test_cash_in_accepts_local_number_formats(client, app, runtime, counter, awa):
    local = "0" + awa.msisdn.removeprefix("+2420")
    assert cash_in(client, app, counter, local, 1_000).status_code == 201


def test_cash_in_replay_credits_once(client, app, runtime, counter, awa):
    first = cash_in(client, app, counter, awa.msisdn, 20_000, key="till-1")
    again = cash_in(client, app, counter, awa.msisdn, 20_000, key="till-1")
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert wallet_of(runtime, awa) == 120_000


def test_cash_in_without_enough_float(client, app, runtime, awa):
    with transaction(runtime) as session:
        poor = factories.agent(session, float_balance=1_000)
    response = cash_in(client, app, poor, awa.msisdn, 20_000)
    assert response.status_code == 422 and response.get_json()["code"] == "insufficient_funds"
    assert wallet_of(runtime, awa) == 100_000


def test_cash_in_to_an_unknown_number(client, app, counter):
    response = cash_in(client, app, counter, "+242069999998", 1_000)
    assert response.status_code == 422 and response.get_json()["code"] == "recipient_not_found"


def test_cash_in_above_the_balance_cap(client, app, counter, awa):
    response = cash_in(client, app, counter, awa.msisdn, 150_000)
    assert response.status_code == 422 and response.get_json()["code"] == "limit_exceeded"


def test_customers_cannot_use_the_counter(client, app, awa):
    assert cash_in(client, app, awa, awa.msisdn, 1_000).status_code == 403


def test_withdrawal_reserves_and_returns_a_six_digit_code(client, app, runtime, awa):
    response = withdraw(client, app, awa, 20_000)
    assert response.status_code == 201
    body = response.get_json()
    assert len(body["code"]) == 6 and body["code"].isdigit()
    assert body["transfer"]["status"] == "pending_confirmation"
    assert body["transfer"]["fee"] == 300
    assert wallet_of(runtime, awa) == 100_000 - 20_300
    assert body["code"] in "".join(sms_to(app, awa.msisdn))


def test_cash_out_pays_the_withdrawal_once(client, app, runtime, counter, awa):
    code = withdraw(client, app, awa, 20_000).get_json()["code"]
    paid = cash_out(client, app, counter, awa.msisdn, code)
    assert paid.status_code == 200, paid.get_json()
    assert paid.get_json()["status"] == "completed"
    assert wallet_of(runtime, awa) == 79_700
    assert float_of(runtime, counter) == 500_000 + 20_000 + 120
    assert available(runtime, chart.fees("cashout")) == 300
    assert available(runtime, chart.CLEARING_WITHDRAWALS) == 0
    again = cash_out(client, app, counter, awa.msisdn, code)
    assert again.status_code == 422 and again.get_json()["code"] == "otp_expired"
    assert wallet_of(runtime, awa) == 79_700


def test_wrong_code_at_the_counter_counts_down_then_releases(client, app, runtime, counter, awa):
    withdraw(client, app, awa, 20_000)
    first = cash_out(client, app, counter, awa.msisdn, "000000")
    assert first.status_code == 422 and first.get_json()["code"] == "invalid_otp"
    assert first.get_json()["attempts_left"] == 2
    cash_out(client, app, counter, awa.msisdn, "000001")
    third = cash_out(client, app, counter, awa.msisdn, "000002")
    assert third.get_json()["code"] == "otp_attempts_exceeded"
    assert wallet_of(runtime, awa) == 100_000


def test_an_expired_withdrawal_releases_the_funds(client, app, runtime, counter, awa, clock):
    code = withdraw(client, app, awa, 20_000).get_json()["code"]
    clock.advance(minutes=16)
    response = cash_out(client, app, counter, awa.msisdn, code)
    assert response.status_code == 422 and response.get_json()["code"] == "otp_expired"
    assert wallet_of(runtime, awa) == 100_000


def test_one_pending_withdrawal_at_a_time(client, app, awa):
    withdraw(client, app, awa, 5_000)
    second = withdraw(client, app, awa, 5_000)
    assert second.status_code == 422 and second.get_json()["code"] == "invalid_state"


def test_a_customer_can_cancel_a_withdrawal(client, app, runtime, awa):
    transfer = withdraw(client, app, awa, 5_000).get_json()["transfer"]
    response = post(client, app, awa, f"/transfers/{transfer['id']}/cancel", idempotent=False)
    assert response.get_json()["status"] == "cancelled"
    assert wallet_of(runtime, awa) == 100_000


def test_withdrawal_is_not_confirmed_with_an_otp(client, app, awa):
    body = withdraw(client, app, awa, 5_000).get_json()
    response = post(
        client,
        app,
        awa,
        f"/transfers/{body['transfer']['id']}/confirm",
        {"otp": body["code"]},
        idempotent=False,
    )
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_state"


def test_withdrawal_above_the_balance(client, app, awa):
    response = withdraw(client, app, awa, 100_000)
    assert response.status_code == 422 and response.get_json()["code"] == "insufficient_funds"


def test_float_balance(client, app, counter):
    response = client.get(f"{API}/agent/float", headers=factories.headers_for(app, counter))
    assert response.get_json() == {
        "available": 500_000,
        "pending": 0,
        "posted": 500_000,
        "currency": "XAF",
    }


def test_admin_tops_up_a_float_from_the_trust_bank(client, app, runtime, counter):
    with transaction(runtime) as session:
        boss = factories.admin(session)
    response = post(
        client, app, boss, "/admin/float-topups", {"agent": counter.id, "amount": 250_000}
    )
    assert response.status_code == 201
    assert response.get_json()["float_balance"] == 750_000
    assert float_of(runtime, counter) == 750_000
    assert (
        post(
            client, app, counter, "/admin/float-topups", {"agent": counter.id, "amount": 1}
        ).status_code
        == 403
    )


def test_the_days_report_closes_the_till(client, app, runtime, counter, awa, clock):
    clock.advance(days=1)  # the float was funded yesterday
    cash_in(client, app, counter, awa.msisdn, 20_000)
    code = withdraw(client, app, awa, 10_000).get_json()["code"]
    cash_out(client, app, counter, awa.msisdn, code)
    response = client.get(
        f"{API}/agent/report?date=2026-11-29", headers=factories.headers_for(app, counter)
    )
    report = response.get_json()
    assert [op["type"] for op in report["operations"]] == ["cashin", "cashout"]
    assert report["totals"]["cashin"] == {"count": 1, "amount": 20_000, "fees": 0, "commission": 40}
    assert report["totals"]["cashout"]["commission"] == 120
    assert report["commission"] == 160
    assert report["opening_float"] == 500_000
    assert report["closing_float"] == 500_000 - 20_000 + 40 + 10_000 + 120
    other_day = client.get(
        f"{API}/agent/report?date=2026-11-28", headers=factories.headers_for(app, counter)
    ).get_json()
    assert other_day["operations"] == [] and other_day["closing_float"] == 500_000
    bad = client.get(
        f"{API}/agent/report?date=yesterday", headers=factories.headers_for(app, counter)
    )
    assert bad.status_code == 400
