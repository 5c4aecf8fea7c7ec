"""KYC limits: a basic wallet holds at most 200 000 and sends at most 100 000 at once,
200 000 a day and 1 000 000 a month (config defaults), days and months in Brazzaville."""

from datetime import UTC, datetime, timedelta

import pytest

from app import ledger
from app.customers import limits
from app.errors import LimitExceeded
from app.ledger import chart
from tests import factories


def spend(session, customer, amount):
    """Money leaves the wallet (a payment posted now)."""
    ledger.post_entry(
        session,
        key=factories.key("spend"),
        kind="p2p",
        legs=[
            ledger.debit(chart.wallet(customer.id), amount),
            ledger.credit(chart.fees("p2p"), amount),
        ],
    )


def refused(session, customer, amount):
    with pytest.raises(LimitExceeded) as error:
        limits.check_outgoing(session, customer, amount)
    return error.value


def test_one_payment_may_reach_the_single_limit_but_not_pass_it(session):
    awa = factories.customer(session, balance=150_000)
    limits.check_outgoing(session, awa, 100_000)
    error = refused(session, awa, 100_001)
    assert error.extra == {"limit": "single", "remaining": 100_000}
    assert "single" in error.detail


def test_todays_payments_count_against_the_daily_limit(session):
    awa = factories.customer(session, balance=300_000)
    spend(session, awa, 100_000)
    spend(session, awa, 90_000)
    limits.check_outgoing(session, awa, 10_000)
    error = refused(session, awa, 10_001)
    assert error.extra == {"limit": "daily", "remaining": 10_000}


def test_money_reserved_by_a_payment_awaiting_confirmation_counts(session, clock):
    awa = factories.customer(session, balance=300_000)
    spend(session, awa, 100_000)
    ledger.hold_entry(
        session,
        key=factories.key(),
        kind="p2p",
        legs=[ledger.debit(chart.wallet(awa.id), 95_000), ledger.credit(chart.fees("p2p"), 95_000)],
        expires_at=clock.now() + timedelta(minutes=5),
    )
    assert refused(session, awa, 5_001).extra["limit"] == "daily"


def test_the_day_turns_at_midnight_in_brazzaville_not_in_utc(session, clock):
    clock.set(datetime(2026, 11, 28, 22, 30, tzinfo=UTC))  # 23:30 in Brazzaville
    awa = factories.customer(session, balance=300_000)
    spend(session, awa, 100_000)
    spend(session, awa, 100_000)
    assert refused(session, awa, 1).extra["limit"] == "daily"
    clock.advance(hours=1)  # 00:30 on the 29th in Brazzaville, still the 28th in UTC
    limits.check_outgoing(session, awa, 100_000)


def test_the_month_adds_up_across_days_and_restarts_on_the_first(session, clock):
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    awa = factories.customer(session, balance=1_200_000)
    for _ in range(5):  # 5 x 190 000 = 950 000 over five days
        spend(session, awa, 190_000)
        clock.advance(days=1)
    limits.check_outgoing(session, awa, 50_000)
    error = refused(session, awa, 50_001)
    assert error.extra == {"limit": "monthly", "remaining": 50_000}
    clock.set(datetime(2026, 11, 30, 23, 30, tzinfo=UTC))  # 00:30 on 1 December in Brazzaville
    limits.check_outgoing(session, awa, 100_000)


def test_a_higher_tier_has_higher_limits(session):
    awa = factories.customer(session, balance=600_000, tier="standard")
    limits.check_outgoing(session, awa, 500_000)
    assert refused(session, awa, 500_001).extra["limit"] == "single"


def test_a_wallet_may_fill_up_to_its_balance_cap_but_not_past_it(session):
    awa = factories.customer(session, balance=150_000)
    limits.check_incoming(session, awa, 50_000)
    with pytest.raises(LimitExceeded) as error:
        limits.check_incoming(session, awa, 50_001)
    assert error.value.extra == {"limit": "balance", "remaining": 50_000}


def test_credits_on_their_way_count_against_the_balance_cap(session, clock):
    awa = factories.customer(session, balance=150_000)
    bruno = factories.customer(session, balance=50_000)
    ledger.hold_entry(  # Bruno sends Awa 30 000, awaiting his OTP
        session,
        key=factories.key(),
        kind="p2p",
        legs=[
            ledger.debit(chart.wallet(bruno.id), 30_000),
            ledger.credit(chart.wallet(awa.id), 30_000),
        ],
        expires_at=clock.now() + timedelta(minutes=5),
    )
    limits.check_incoming(session, awa, 20_000)
    with pytest.raises(LimitExceeded):
        limits.check_incoming(session, awa, 20_001)


def test_the_summary_shows_caps_usage_and_what_remains(session):
    awa = factories.customer(session, balance=100_000)
    spend(session, awa, 30_000)
    summary = limits.limits_for(session, awa)
    assert summary == {
        "tier": "basic",
        "currency": "XAF",
        "balance": 200_000,
        "single": 100_000,
        "daily": 200_000,
        "monthly": 1_000_000,
        "daily_used": 30_000,
        "monthly_used": 30_000,
        "daily_remaining": 170_000,
        "monthly_remaining": 970_000,
    }


@pytest.mark.parametrize(
    "config_overrides",
    [{"KYC_TIERS": {"basic": {"balance": 10, "single": 5, "daily": 8, "monthly": 9}}}],
)
def test_tiers_come_from_configuration(session, config_overrides):
    awa = factories.customer(session)
    assert refused(session, awa, 6).extra["limit"] == "single"
    with pytest.raises(LimitExceeded):
        limits.check_incoming(session, awa, 11)
