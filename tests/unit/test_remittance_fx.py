"""Pricing an inbound transfer: peg for EUR, rate table less margin otherwise, rounded down."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.config import Config
from app.errors import ValidationFailed
from app.remittances.fx import EUR_PEG, parse_rate, price

CONFIG = Config()


def test_euros_convert_at_the_peg_and_round_down_to_the_franc():
    pricing = price(CONFIG, 10_000, "EUR", EUR_PEG, 0)  # 100,00 EUR

    assert (pricing.gross, pricing.amount, pricing.fx_fee) == (65_595, 65_595, 0)
    assert pricing.fee == 1_500
    assert pricing.partner_debit == 67_095


def test_one_euro_cent_is_six_francs():
    assert price(CONFIG, 1, "EUR", EUR_PEG, 0).amount == 6  # 6.55957 → 6


def test_a_margin_is_taken_off_the_mid_rate_and_kept_as_fx_income():
    pricing = price(CONFIG, 10_000, "USD", Decimal(600), 150)  # 100,00 USD

    assert pricing.rate == Decimal(591)
    assert (pricing.gross, pricing.amount, pricing.fx_fee) == (60_000, 59_100, 900)


def test_an_amount_worth_less_than_a_franc_is_refused():
    with pytest.raises(ValidationFailed):
        price(CONFIG, 1, "USD", Decimal("0.5"), 150)


@given(
    amount=st.integers(min_value=1, max_value=10**9),
    rate=st.decimals(min_value=Decimal("0.5"), max_value=Decimal(5000), places=4),
    margin=st.integers(min_value=0, max_value=1000),
)
def test_the_recipient_never_gets_more_than_the_partner_pays(amount, rate, margin):
    try:
        pricing = price(CONFIG, amount, "USD", rate, margin)
    except ValidationFailed:
        return
    exact = Decimal(amount) / 100 * rate
    assert pricing.amount <= pricing.gross <= exact
    assert pricing.fx_fee >= 0
    assert exact - pricing.gross < 1


@pytest.mark.parametrize("text", ["602.35", "1", "0.000001", "655.957"])
def test_admins_type_rates_as_decimal_strings(text):
    assert parse_rate(text) == Decimal(text)


@pytest.mark.parametrize("value", ["0", "-3", "abc", "1e9", "NaN", "1.0000001", 600, None])
def test_other_rates_are_refused(value):
    with pytest.raises(ValidationFailed):
        parse_rate(value)
