"""S10 tracking numbers (UPU S10): the check digit, building and reading a number."""

from __future__ import annotations

import pytest

from app.mail import s10


@pytest.mark.parametrize(
    ("serial", "digit"),
    [
        ("47312482", 9),  # RR473124829GB, the S10 standard's own example
        ("12345678", 5),
        ("47326985", 4),
    ],
)
def test_the_check_digit_of_known_numbers(serial: str, digit: int) -> None:
    assert s10.check_digit(serial) == digit


def test_a_remainder_giving_ten_checks_with_zero() -> None:
    # 0*8+0*6+0*4+0*2+0*3+0*5+0*9+8*7 = 56; 56 mod 11 = 1; 11 - 1 = 10 → 0
    assert s10.check_digit("00000008") == 0


def test_a_remainder_giving_eleven_checks_with_five() -> None:
    # sum 0; 11 - 0 = 11 → 5
    assert s10.check_digit("00000000") == 5
    # 1*5 + 5*7 = 44 = 4 * 11; 11 - 0 = 11 → 5
    assert s10.check_digit("00000015") == 5


def test_build_writes_service_serial_digit_and_country() -> None:
    assert s10.build("RR", 47312482, "GB") == "RR473124829GB"
    assert s10.build("LA", 8, "CG") == "LA000000080CG"


def test_every_built_number_parses_back() -> None:
    for serial in (0, 1, 8, 15, 99_999_999, 12_345_678):
        number = s10.build("RR", serial, "CG")
        assert s10.parse(number) == ("RR", f"{serial:08d}", "CG")


def test_a_wrong_check_digit_is_named() -> None:
    with pytest.raises(s10.S10Error, match="check digit"):
        s10.parse("RR473124828GB")


@pytest.mark.parametrize("value", ["", "RR12345678CG", "R1473124829GB", "RR473124829G", "12"])
def test_a_malformed_number_says_what_a_number_looks_like(value: str) -> None:
    with pytest.raises(s10.S10Error, match="two letters, nine digits"):
        s10.parse(value)


def test_spaces_and_case_are_forgiven() -> None:
    assert s10.is_valid("rr 4731 2482 9 gb")


def test_a_serial_beyond_eight_digits_is_refused() -> None:
    with pytest.raises(s10.S10Error):
        s10.build("RR", 100_000_000, "CG")
