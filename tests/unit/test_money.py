from decimal import Decimal

import pytest

from app.money import MixedCurrencies, Money, convert_down, format_amount, parse_amount


def test_format_groups_thousands_with_a_plain_space():
    assert format_amount(12500) == "12 500 FCFA"
    assert format_amount(0) == "0 FCFA"
    assert format_amount(1_000_000) == "1 000 000 FCFA"


def test_format_shows_minor_units_of_currencies_that_have_them():
    assert format_amount(12345, "EUR") == "123,45 EUR"


def test_money_refuses_floats():
    with pytest.raises(TypeError):
        Money(10.5)  # type: ignore[arg-type]


def test_money_refuses_mixed_currencies():
    with pytest.raises(MixedCurrencies):
        Money(10, "XAF") + Money(10, "EUR")


def test_parse_amount_accepts_what_customers_type():
    assert parse_amount("5000") == 5000
    assert parse_amount("5 000") == 5000
    assert parse_amount("5.000") == 5000
    assert parse_amount("5000F") == 5000
    assert parse_amount("0") is None
    assert parse_amount("-5") is None
    assert parse_amount("abc") is None
    assert parse_amount("1" * 20) is None


def test_conversion_rounds_down_to_the_franc():
    # 100.00 EUR at the CEMAC peg is 65 595.7 francs: the customer gets 65 595.
    assert convert_down(10000, "EUR", Decimal("655.957")) == 65595


def test_parse_amount_refuses_digits_that_are_not_ascii():
    assert parse_amount("5²") is None
    assert parse_amount("\u0665\u0660") is None  # Arabic-Indic 50
