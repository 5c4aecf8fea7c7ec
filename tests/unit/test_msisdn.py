"""Phone numbers: every way a customer types a Congo number gives one E.164 key."""

import pytest

from app.customers.msisdn import mask_msisdn, normalize_msisdn, try_normalize_msisdn
from app.errors import ValidationFailed


@pytest.mark.parametrize(
    "raw",
    ["+242061234567", "242061234567", "061234567", "06 123 4567", " +242 06 123 45 67 "],
)
def test_every_accepted_format_gives_e164_with_the_leading_zero(raw):
    assert normalize_msisdn(raw) == "+242061234567"


@pytest.mark.parametrize("raw", ["+242051234567", "+242041234567"])
def test_numbers_of_every_congo_mobile_network_are_accepted(raw):
    assert normalize_msisdn(raw) == raw


@pytest.mark.parametrize(
    "raw", ["", "   ", "abc", "0612345678", "+2420612345678", "12", "+242221234567", "9" * 40]
)
def test_malformed_or_impossible_numbers_are_a_validation_error_on_msisdn(raw):
    with pytest.raises(ValidationFailed) as refused:
        normalize_msisdn(raw)
    assert "msisdn" in refused.value.extra["errors"]


def test_a_number_of_another_country_is_refused_by_default():
    with pytest.raises(ValidationFailed) as refused:
        normalize_msisdn("+33612345678")
    assert refused.value.extra["errors"]["msisdn"] == ["Numbers of this country are not accepted."]


def test_configured_regions_let_another_country_in():
    assert normalize_msisdn("+33612345678", ["CG", "FR"]) == "+33612345678"


def test_non_string_input_is_a_validation_error_not_a_crash():
    with pytest.raises(ValidationFailed):
        normalize_msisdn(61234567)  # type: ignore[arg-type]


def test_the_error_can_name_another_field():
    with pytest.raises(ValidationFailed) as refused:
        normalize_msisdn("abc", field="to")
    assert "to" in refused.value.extra["errors"]


def test_lookups_get_none_for_garbage_instead_of_an_error():
    assert try_normalize_msisdn("not a number") is None
    assert try_normalize_msisdn(None) is None
    assert try_normalize_msisdn("061234567") == "+242061234567"


def test_masking_keeps_country_operator_and_last_two_digits():
    assert mask_msisdn("+242061234567") == "+24206*****67"


def _normalized_or_none(raw, regions):
    try:
        return normalize_msisdn(raw, regions)
    except ValidationFailed:
        return None


EQUIVALENCE_INPUTS = [
    *(f"+2420{p}1234567" for p in range(10)),  # every Congo prefix, mobile or not
    "+242221234567",  # a Congo fixed line
    "+24206123456",  # one digit short
    "+2420612345678",  # one digit long
    "061234567",
    "6 12 34 56 7",
    "00242061234567",
    "+33612345678",  # France, mobile
    "+33123456789",  # France, fixed
    "+80012345678",  # international freephone (no region)
    "+1 202 555 0143",  # North America: one code, many regions
    "+44 7400 123456",
    "",
    "   ",
    "+",
    "abc",
    "0" * 40,
]


@pytest.mark.parametrize("regions", [["CG"], ["CG", "FR"], ["FR", "CG"], ["CG", "US", "GB"]])
def test_lookups_accept_and_refuse_exactly_what_normalizing_does(regions):
    assert [try_normalize_msisdn(raw, regions) for raw in EQUIVALENCE_INPUTS] == [
        _normalized_or_none(raw, regions) for raw in EQUIVALENCE_INPUTS
    ]
