"""The lowest and highest fee of an operation, as a published leaflet says them."""

import pytest

from app.config import Config
from app.errors import ValidationFailed
from app.fees import fee_range, quote


def config(**tariffs: list[list[int]]) -> Config:
    return Config(TARIFFS=tariffs)


def test_a_grid_spans_from_its_smallest_to_its_largest_fee():
    grid = config(p2p=[[5_000, 50], [20_000, 150], [20_000_000, 5_000]])
    assert fee_range(grid, "p2p") == (50, 5_000)


def test_a_flat_fee_is_the_same_at_both_ends():
    assert fee_range(config(bill=[[20_000_000, 100]]), "bill") == (100, 100)


def test_the_range_holds_every_fee_quote_can_answer():
    grid = config(remittance=[[5_000, 200], [50_000, 1_000], [20_000_000, 15_000]])
    low, high = fee_range(grid, "remittance")
    for amount in (1, 5_000, 5_001, 50_000, 19_999_999, 30_000_000):
        assert low <= quote(grid, "remittance", amount).fee <= high


def test_an_unknown_operation_is_refused():
    with pytest.raises(ValidationFailed):
        fee_range(config(p2p=[[1, 1]]), "lottery")
