"""PINs: four digits a thief would not try first, stored only peppered (docs/PINS.md).

How peppers and legacy hashes are handled is in test_pin_peppers.py."""

import pytest

from app.config import Config
from app.customers.pins import check_pin, hash_pin, validate_pin
from app.errors import ValidationFailed

CHEAP = Config(TESTING=True)
PRODUCTION_COST = Config()  # TESTING off: OWASP's minimum, whatever the environment


@pytest.mark.parametrize("pin", ["2580", "1470", "3690", "0852", "1357", "8024"])
def test_ordinary_pins_are_accepted(pin):
    assert validate_pin(pin) == pin


@pytest.mark.parametrize("pin", ["0000", "1111", "9999"])
def test_one_repeated_digit_is_refused(pin):
    with pytest.raises(ValidationFailed) as refused:
        validate_pin(pin)
    assert refused.value.extra["errors"] == {"pin": ["A PIN cannot repeat one digit."]}


@pytest.mark.parametrize("pin", ["0123", "1234", "6789", "9876", "4321", "3210"])
def test_runs_up_or_down_are_refused(pin):
    with pytest.raises(ValidationFailed) as refused:
        validate_pin(pin)
    assert refused.value.extra["errors"] == {"pin": ["A PIN cannot be a sequence of digits."]}


@pytest.mark.parametrize("pin", ["1212", "2020", "9090"])
def test_a_repeated_pair_is_refused(pin):
    with pytest.raises(ValidationFailed) as refused:
        validate_pin(pin)
    assert refused.value.extra["errors"] == {"pin": ["A PIN cannot repeat a pair of digits."]}


@pytest.mark.parametrize("pin", ["258", "25801", "25a0", "", " 2580", "٢٥٨٠", 2580, None])
def test_anything_but_four_ascii_digits_is_refused(pin):
    with pytest.raises(ValidationFailed) as refused:
        validate_pin(pin)
    assert refused.value.extra["errors"] == {"pin": ["A PIN is exactly 4 digits."]}


def test_the_error_names_the_field_it_came_from():
    with pytest.raises(ValidationFailed) as refused:
        validate_pin("1234", field="new_pin")
    assert list(refused.value.extra["errors"]) == ["new_pin"]


def test_the_hash_is_peppered_argon2id_and_never_contains_the_pin():
    stored = hash_pin("2580", CHEAP)
    assert stored.startswith("$pcpep$v1$argon2id$")
    assert "2580" not in stored


def test_the_right_pin_matches_and_a_wrong_one_does_not():
    stored = hash_pin("2580", CHEAP)
    assert check_pin(stored, "2580", CHEAP)
    assert not check_pin(stored, "2581", CHEAP)


def test_a_malformed_pin_or_corrupt_hash_never_matches():
    stored = hash_pin("2580", CHEAP)
    assert not check_pin(stored, "25800", CHEAP)
    assert not check_pin("not-a-hash", "2580", CHEAP)
    assert not check_pin("$pcpep$v1$argon2id$v=19$m=8,t=1,p=1$garbage", "2580", CHEAP)


def test_production_parameters_are_owasps_minimum_and_verify_too():
    stored = hash_pin("2580", PRODUCTION_COST)
    assert stored.startswith("$pcpep$v1$argon2id$v=19$m=19456,t=2,p=1$")
    assert check_pin(stored, "2580", PRODUCTION_COST)
