"""Savings products, read from configuration (``SAVINGS_PRODUCTS``, app/config.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from app.config import Config
from app.savings.errors import ProductNotFound
from app.savings.quinzaine import RateChange, fortnight_index, rate_for


@dataclass(frozen=True, slots=True)
class Product:
    code: str
    name: str
    annual_rate_bp: int  # the base rate, before any change
    min_opening: int
    max_balance: int
    tax_bp: int
    rate_changes: tuple[RateChange, ...] = ()

    def rate_on(self, day: date) -> int:
        """The annual rate the fortnight of ``day`` earns (rate changes included)."""
        return rate_for(self.annual_rate_bp, self.rate_changes, day.year, fortnight_index(day))


def _product(code: str, raw: dict[str, Any]) -> Product:
    changes = tuple(
        RateChange(date.fromisoformat(str(on)), int(rate))
        for on, rate in raw.get("rate_changes") or []
    )
    return Product(
        code=code,
        name=str(raw["name"]),
        annual_rate_bp=int(raw["annual_rate_bp"]),
        min_opening=int(raw["min_opening"]),
        max_balance=int(raw["max_balance"]),
        tax_bp=int(raw["tax_bp"]),
        rate_changes=changes,
    )


def all_products(config: Config) -> list[Product]:
    return [_product(code, raw) for code, raw in sorted(config.SAVINGS_PRODUCTS.items())]


def get_product(config: Config, code: str) -> Product:
    raw = config.SAVINGS_PRODUCTS.get(code)
    if raw is None:
        raise ProductNotFound(f"No savings product {code!r}.")
    return _product(code, raw)
