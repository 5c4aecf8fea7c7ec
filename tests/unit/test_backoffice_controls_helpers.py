"""Small rules of the back office's controls pages: where a broken audit chain stops
being trustworthy, and CSV cells a spreadsheet will not run."""

import pytest

from app.web.backoffice.controls import verified_up_to
from app.web.csv_export import safe_cell


def test_an_intact_chain_is_verified_up_to_its_last_event():
    assert verified_up_to([], 42) == 42


def test_an_edited_event_stops_the_verification_just_before_it():
    broken = [{"id": 7, "problem": "hash_mismatch"}, {"id": 8, "problem": "prev_hash_mismatch"}]
    assert verified_up_to(broken, 42) == 6


def test_a_deleted_event_stops_the_verification_at_the_event_before_the_gap():
    assert verified_up_to([{"id": 9, "problem": "prev_hash_mismatch", "after_id": 7}], 42) == 7


def test_a_deleted_tail_leaves_every_remaining_event_verified():
    assert verified_up_to([{"id": 42, "problem": "head_mismatch", "after_id": 40}], 40) == 40


def test_a_first_event_broken_verifies_nothing():
    assert verified_up_to([{"id": 1, "problem": "prev_hash_mismatch", "after_id": None}], 3) == 0


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("@cmd", "'@cmd"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-1+2", "'-1+2"),
        ("+242061234567", "+242061234567"),
        ("-5000", "-5000"),
        ("customer.freeze", "customer.freeze"),
        (None, ""),
        (17, "17"),
    ],
)
def test_a_cell_that_a_spreadsheet_would_run_is_quoted(value, cell):
    assert safe_cell(value) == cell
