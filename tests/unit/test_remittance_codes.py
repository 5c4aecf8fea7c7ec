"""Remittance codes: 10 random digits, kept only as an HMAC keyed from SECRET_KEY."""

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from app.remittances import codes

KEY = "test-secret-key-0123456789abcdef"


def test_a_code_has_ten_digits():
    code = codes.new_code()

    assert len(code) == 10
    assert code.isdigit()


def test_codes_are_drawn_at_random():
    assert len({codes.new_code() for _ in range(200)}) == 200


def test_the_stored_hash_is_keyed_so_a_plain_hash_of_the_code_does_not_find_it():
    code = "0123456789"

    stored = codes.code_hash(KEY, code)

    assert stored != hashlib.sha256(code.encode()).hexdigest()
    assert stored != codes.code_hash("another-secret-key", code)


def test_the_right_code_matches_and_any_other_does_not():
    stored = codes.code_hash(KEY, "0123456789")

    assert codes.matches(KEY, "0123456789", stored)
    assert not codes.matches(KEY, "0123456788", stored)
    assert not codes.matches(KEY, "0123456789", None)


def test_spaces_and_dashes_typed_in_a_code_are_ignored():
    assert codes.normalize("012 345-6789") == "0123456789"


@given(st.text(max_size=12))
def test_only_ten_ascii_digits_are_well_formed(text):
    expected = len(text) == 10 and all(ch in "0123456789" for ch in text)

    assert codes.is_well_formed(text) is expected
