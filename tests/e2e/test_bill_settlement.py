"""Settling billers: what a business day collected leaves for the bank, once.

The tests start on Saturday 28 November 2026 at 10:00 in Brazzaville. Awa pays
E2C 12 500 and 5 000 that day and 2 000 the next; settlement runs on the 30th.
"""

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from app import ledger
from app.db import transaction
from app.ledger import chart
from app.ledger.models import Entry
from tests import factories
from tests.e2e.cyber_support import API
from tests.e2e.payments_support import confirm, otp_for, post
from workers.payments import settle_yesterday

CONTRACT = "01234567890"
DAY = "2026-11-28"


@pytest.fixture(autouse=True)
def e2c(runtime):
    """The electricity company Awa pays."""
    with transaction(runtime) as session:
        factories.biller(session, code="E2C")


@pytest.fixture
def awa_balance():
    return 50_000


def pay_bill(client, app, who, amount, *, confirmed=True):
    body = {"biller": "E2C", "bill_reference": CONTRACT, "amount": amount}
    transfer = post(client, app, who, "/bill-payments", body).get_json()
    if confirmed:
        assert confirm(client, app, who, transfer["id"], otp_for(app, who)).status_code == 200


def balance(runtime, code):
    with transaction(runtime) as session:
        return ledger.balance(session, code).posted


def settlements(runtime):
    with transaction(runtime) as session:
        return session.scalar(
            select(func.count()).select_from(Entry).where(Entry.kind == "settlement")
        )


def settle(app, day=DAY):
    return app.test_cli_runner().invoke(args=["billers", "settle", "--date", day, "--json"])


@pytest.fixture
def two_days_of_bills(client, app, clock, awa):
    pay_bill(client, app, awa, 12_500)
    pay_bill(client, app, awa, 5_000)
    clock.advance(days=1)
    pay_bill(client, app, awa, 2_000)
    clock.advance(days=1)


def test_a_day_is_settled_to_the_bank_as_one_entry_with_its_report(app, runtime, two_days_of_bills):
    trust_before = balance(runtime, chart.TRUST_BANK)

    result = settle(app)

    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["biller"], report["business_date"]) == ("E2C", DAY)
    assert (report["payments_count"], report["payments_total"], report["settled"]) == (
        2,
        17_500,
        17_500,
    )
    assert (report["balance_before"], report["balance_after"]) == (19_500, 2_000)
    assert balance(runtime, chart.biller("E2C")) == 2_000
    assert balance(runtime, chart.TRUST_BANK) == trust_before - 17_500
    assert settlements(runtime) == 1


def test_settling_a_day_twice_pays_once(app, runtime, two_days_of_bills):
    first = settle(app)
    again = settle(app)

    assert again.output == first.output
    assert settlements(runtime) == 1
    assert balance(runtime, chart.biller("E2C")) == 2_000


def test_days_settled_out_of_order_never_pay_twice(app, runtime, two_days_of_bills):
    later = json.loads(settle(app, "2026-11-29").output)
    earlier = json.loads(settle(app, DAY).output)

    assert (later["settled"], earlier["settled"]) == (19_500, 0)
    assert balance(runtime, chart.biller("E2C")) == 0


def test_a_payment_awaiting_its_code_is_not_settled(client, app, runtime, clock, awa):
    pay_bill(client, app, awa, 12_500)
    pay_bill(client, app, awa, 3_000, confirmed=False)
    clock.advance(days=1)

    report = json.loads(settle(app).output)

    assert (report["payments_count"], report["settled"]) == (1, 12_500)


def test_a_day_that_is_not_over_is_refused(app, runtime, awa):
    result = settle(app, "2026-11-28")

    assert result.exit_code != 0
    assert "over" in result.output
    assert settlements(runtime) == 0


def test_the_hourly_sweep_settles_yesterday(client, app, runtime, clock, awa):
    pay_bill(client, app, awa, 12_500)
    clock.advance(days=1)

    assert settle_yesterday() == 12_500
    assert settle_yesterday() == 12_500  # the same settlement, not a second one
    assert settlements(runtime) == 1


def test_a_biller_with_nothing_collected_gets_a_zero_report(app, runtime, clock, awa):
    clock.advance(days=1)

    report = json.loads(settle(app).output)

    assert (report["payments_count"], report["settled"], report["entry_id"]) == (0, 0, None)
    assert settlements(runtime) == 0


def test_admins_read_the_reports_of_a_day(client, app, runtime, two_days_of_bills):
    settle(app)
    with transaction(runtime) as session:
        admin = factories.admin(session)
    headers = factories.headers_for(app, admin)

    response = client.get(f"{API}/admin/billers/settlements?date={DAY}", headers=headers)
    bad = client.get(f"{API}/admin/billers/settlements?date=28/11", headers=headers)

    (report,) = response.get_json()["items"]
    assert report["settled"] == 17_500
    assert (bad.status_code, bad.get_json()["code"]) == (400, "validation_error")


def test_a_settlement_date_is_a_calendar_date(app):
    result = settle(app, "yesterday")

    assert result.exit_code != 0


def test_the_report_counts_days_in_brazzaville_time(client, app, runtime, clock, awa):
    clock.set(clock.now().replace(hour=23, minute=30))  # 00:30 on the 29th in Brazzaville
    pay_bill(client, app, awa, 4_000)
    clock.advance(days=1)

    on_28 = json.loads(settle(app, DAY).output)
    on_29 = json.loads(settle(app, "2026-11-29").output)

    assert (on_28["payments_count"], on_29["payments_count"]) == (0, 1)
    assert date.fromisoformat(on_29["business_date"]) == date(2026, 11, 29)
