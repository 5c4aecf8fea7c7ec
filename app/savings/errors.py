"""Errors of postal savings; their ``code`` is the API contract (docs/API.md)."""

from __future__ import annotations

from app.errors import Conflict, LimitExceeded, NotFound


class ProductNotFound(NotFound):
    """No savings product has this code."""

    title = "Savings product not found"


class SavingsAccountNotFound(NotFound):
    """No savings account of this customer has this id (or number, at a counter)."""

    title = "Savings account not found"


class SavingsAccountExists(Conflict):
    """A customer holds at most one account of each product."""

    title = "A savings account of this product is already open"


class BelowMinimumOpening(LimitExceeded):
    """The first deposit of a livret must reach the product's minimum opening amount."""

    title = "Below the minimum opening deposit"


class SavingsBalanceCap(LimitExceeded):
    """A deposit may not take a livret above its product's balance cap."""

    title = "Above the savings balance cap"
